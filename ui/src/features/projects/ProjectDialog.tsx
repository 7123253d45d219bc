import { type FormEvent, useState } from "react";
import { Field, TextField } from "../../components/Field";
import { FormFooter } from "../../components/FormFooter";
import { Modal } from "../../components/Modal";
import { api, CommandError, errorMessage, type Project } from "../../ipc/api";

interface Props {
  project?: Project;
  onSaved: (project: Project) => void;
  onClose: () => void;
}

/** Create a project, or rename / re-describe an existing one. */
export function ProjectDialog({ project, onSaved, onClose }: Props) {
  const [name, setName] = useState(project?.name ?? "");
  const [description, setDescription] = useState(project?.description ?? "");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setFormError(undefined);
    try {
      const saved = project
        ? await api.updateProject(project.id, name, description)
        : await api.createProject(name, description);
      onSaved(saved);
    } catch (err) {
      if (err instanceof CommandError && err.code === "validation") setErrors(err.fieldErrors());
      else setFormError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <Modal
      title={project ? "Edit project" : "New project"}
      description="A project groups connections, for a team or an environment."
      onClose={onClose}
    >
      <form onSubmit={submit} noValidate>
        <TextField
          label="Name"
          name="name"
          required
          value={name}
          onChange={setName}
          error={errors.name}
          placeholder="e.g. Finance"
          autoComplete="off"
          autoFocus
        />
        <Field label="Description" error={errors.description} help="Optional: what belongs in this project.">
          {(p) => (
            <textarea
              {...p}
              name="description"
              rows={3}
              value={description}
              onChange={(e) => setDescription(e.target.value)}
            />
          )}
        </Field>
        <FormFooter
          error={formError}
          busy={busy}
          submitLabel={project ? "Save" : "Create project"}
          onCancel={onClose}
        />
      </form>
    </Modal>
  );
}
