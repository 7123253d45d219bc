import { type KeyboardEvent, useId } from "react";
import type { ConnectionKind, TypeSpec } from "../../ipc/api";
import { groupTypes } from "./fields";

/**
 * The type of a new connection, chosen before its form: the types as cards under their
 * group's heading. Tab reaches them in order; the arrow keys, Home and End move between
 * cards too.
 */
export function TypeChooser({
  types,
  current,
  onChoose,
}: {
  types: TypeSpec[];
  /** The type chosen before (coming back with "Change"): its card gets the focus. */
  current?: ConnectionKind;
  onChoose: (kind: ConnectionKind) => void;
}) {
  const id = useId();
  const groups = groupTypes(types);
  const focusKind = current ?? types[0]?.kind;

  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>) => {
    const root = e.currentTarget.closest(".type-chooser");
    const cards = Array.from(root?.querySelectorAll<HTMLButtonElement>("button[data-kind]") ?? []);
    const at = cards.indexOf(e.currentTarget);
    if (at < 0) return;
    const next =
      e.key === "ArrowDown" || e.key === "ArrowRight"
        ? Math.min(at + 1, cards.length - 1)
        : e.key === "ArrowUp" || e.key === "ArrowLeft"
          ? Math.max(at - 1, 0)
          : e.key === "Home"
            ? 0
            : e.key === "End"
              ? cards.length - 1
              : undefined;
    if (next === undefined) return;
    e.preventDefault();
    cards[next].focus();
  };

  return (
    <div className="type-chooser" data-testid="type-chooser">
      <p className="muted type-chooser-intro">What does this connection connect to?</p>
      {groups.map((g, gi) => (
        <section key={g.group} className="type-group" aria-labelledby={`${id}-g${gi}`}>
          <h3 className="type-group-title" id={`${id}-g${gi}`}>
            {g.group}
          </h3>
          <ul className="kind-list type-list" aria-labelledby={`${id}-g${gi}`}>
            {g.types.map((t) => (
              <li key={t.kind}>
                <button
                  type="button"
                  className={t.kind === current ? "kind-card kind-card-current" : "kind-card"}
                  data-kind={t.kind}
                  data-testid="type-option"
                  aria-current={t.kind === current ? true : undefined}
                  onClick={() => onChoose(t.kind)}
                  onKeyDown={onKeyDown}
                  data-autofocus={t.kind === focusKind ? true : undefined}
                >
                  <span className="kind-card-title">{t.label}</span>
                  <span className="kind-card-help muted">{t.description}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
