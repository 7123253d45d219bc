-- Secrets mode, enforced by the database as well as by the engine: secrets management
-- is configured for the whole workspace OR for each project, never a blend, and a
-- connection cannot name a secrets manager of another project.
--
-- Every refusal below starts with "latchkey-rule: " so the store can report it as a
-- rule (not as a database failure). SQLite's RAISE takes a literal, hence one trigger
-- per message.

-- Per-project AWS external ID (project mode): generated once, never changed, like the
-- workspace's (a role's trust policy depends on it).
ALTER TABLE projects ADD COLUMN aws_external_id TEXT NOT NULL DEFAULT '';
UPDATE projects
SET aws_external_id = 'latchkey-' || lower(hex(randomblob(16)))
WHERE aws_external_id = '';

CREATE TRIGGER projects_external_id_generated AFTER INSERT ON projects
WHEN NEW.aws_external_id = ''
BEGIN
    UPDATE projects SET aws_external_id = 'latchkey-' || lower(hex(randomblob(16)))
    WHERE id = NEW.id;
END;

CREATE TRIGGER projects_external_id_fixed BEFORE UPDATE OF aws_external_id ON projects
WHEN OLD.aws_external_id <> '' AND NEW.aws_external_id IS NOT OLD.aws_external_id
BEGIN
    SELECT RAISE(ABORT, 'latchkey-rule: a project''s AWS external ID never changes (role trust policies depend on it)');
END;

-- No blended state: in workspace mode every secrets manager is workspace-level, in
-- project mode every one belongs to a project.
CREATE TRIGGER providers_workspace_mode_insert BEFORE INSERT ON providers
WHEN NEW.project_id IS NOT NULL
 AND (SELECT secrets_mode FROM workspace_settings WHERE id = 1) = 'workspace'
BEGIN
    SELECT RAISE(ABORT, 'latchkey-rule: secrets management is in workspace mode, so a secrets manager cannot belong to a project; switch to project mode first (Settings › Secrets management)');
END;

CREATE TRIGGER providers_project_mode_insert BEFORE INSERT ON providers
WHEN NEW.project_id IS NULL
 AND (SELECT secrets_mode FROM workspace_settings WHERE id = 1) = 'project'
BEGIN
    SELECT RAISE(ABORT, 'latchkey-rule: secrets management is in project mode, so every secrets manager belongs to a project; choose the project, or switch to workspace mode first (Settings › Secrets management)');
END;

CREATE TRIGGER providers_scope_fixed BEFORE UPDATE OF project_id ON providers
WHEN NEW.project_id IS NOT OLD.project_id
BEGIN
    SELECT RAISE(ABORT, 'latchkey-rule: a secrets manager cannot move to another scope; add one in the new scope instead');
END;

-- The mode changes only when no manager of the old scope is left (the switch removes
-- them in the same transaction).
CREATE TRIGGER settings_mode_switch BEFORE UPDATE OF secrets_mode ON workspace_settings
WHEN NEW.secrets_mode <> OLD.secrets_mode
 AND EXISTS (SELECT 1 FROM providers
             WHERE (project_id IS NULL) = (NEW.secrets_mode = 'project'))
BEGIN
    SELECT RAISE(ABORT, 'latchkey-rule: the secrets managers of the current mode must be removed in the same step as the mode switch; that would leave a blended state');
END;

-- No cross-scope reference: in project mode a connection cannot name (secret://ALIAS/…)
-- a manager that exists only in another project. (In workspace mode every manager is
-- the workspace's, so none is out of scope.)
CREATE TRIGGER connections_reference_scope_insert BEFORE INSERT ON connections
WHEN EXISTS (
    SELECT 1
    FROM json_each(NEW.fields) AS f
    JOIN providers AS p
      ON p.project_id IS NOT NULL AND p.project_id <> NEW.project_id
     AND lower(p.alias) = lower(substr(json_extract(f.value, '$.reference'), 10,
             instr(substr(json_extract(f.value, '$.reference'), 10) || '/', '/') - 1))
    WHERE json_extract(f.value, '$.source') = 'secret'
      AND NOT EXISTS (SELECT 1 FROM providers AS own
                      WHERE own.project_id = NEW.project_id
                        AND lower(own.alias) = lower(p.alias)))
BEGIN
    SELECT RAISE(ABORT, 'latchkey-rule: in project mode a connection may only use its own project''s secrets managers; a reference names a manager of another project');
END;

CREATE TRIGGER connections_reference_scope_update BEFORE UPDATE OF fields, project_id ON connections
WHEN EXISTS (
    SELECT 1
    FROM json_each(NEW.fields) AS f
    JOIN providers AS p
      ON p.project_id IS NOT NULL AND p.project_id <> NEW.project_id
     AND lower(p.alias) = lower(substr(json_extract(f.value, '$.reference'), 10,
             instr(substr(json_extract(f.value, '$.reference'), 10) || '/', '/') - 1))
    WHERE json_extract(f.value, '$.source') = 'secret'
      AND NOT EXISTS (SELECT 1 FROM providers AS own
                      WHERE own.project_id = NEW.project_id
                        AND lower(own.alias) = lower(p.alias)))
BEGIN
    SELECT RAISE(ABORT, 'latchkey-rule: in project mode a connection may only use its own project''s secrets managers; a reference names a manager of another project');
END;
