import type { ReactNode } from "react";
import { Icon } from "./icons";

/** The actions at the end of a table row: any extra ones, then Edit and Delete. */
export function RowActions({
  name,
  onEdit,
  onDelete,
  children,
}: {
  name: string;
  onEdit: () => void;
  onDelete: () => void;
  children?: ReactNode;
}) {
  return (
    <td className="actions">
      {children}
      <button type="button" className="icon-button" aria-label={`Edit ${name}`} onClick={onEdit}>
        <Icon.edit />
      </button>
      <button type="button" className="icon-button danger" aria-label={`Delete ${name}`} onClick={onDelete}>
        <Icon.trash />
      </button>
    </td>
  );
}
