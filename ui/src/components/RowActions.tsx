import { Icon } from "./icons";

/** The edit and delete buttons at the end of a table row. */
export function RowActions({
  name,
  onEdit,
  onDelete,
}: {
  name: string;
  onEdit: () => void;
  onDelete: () => void;
}) {
  return (
    <td className="actions">
      <button type="button" className="icon-button" aria-label={`Edit ${name}`} onClick={onEdit}>
        <Icon.edit />
      </button>
      <button type="button" className="icon-button danger" aria-label={`Delete ${name}`} onClick={onDelete}>
        <Icon.trash />
      </button>
    </td>
  );
}
