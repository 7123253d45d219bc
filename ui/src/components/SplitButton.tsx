import { type KeyboardEvent, type ReactNode, useEffect, useId, useRef, useState } from "react";
import { Icon } from "./icons";

export interface MenuItem {
  label: string;
  onSelect: () => void;
}

interface Props {
  /** The main action's text (and its accessible name unless `ariaLabel` is given). */
  label: ReactNode;
  ariaLabel?: string;
  onClick: () => void;
  /** The other actions, in a menu opened by the arrow half. */
  items: MenuItem[];
  /** Accessible name of the arrow half. */
  menuLabel: string;
  icon?: ReactNode;
  busy?: boolean;
  busyLabel?: string;
  disabled?: boolean;
  small?: boolean;
  /** Show only the icon (spinning while busy); the label stays the accessible name. */
  iconOnly?: boolean;
  title?: string;
}

/**
 * A button with a second half that opens a small menu of related actions. The menu is
 * keyboard driven (arrows, Home/End, Escape, Tab) and positioned `fixed` so a table's
 * clipping cannot cut it off.
 */
export function SplitButton({
  label,
  ariaLabel,
  onClick,
  items,
  menuLabel,
  icon,
  busy,
  busyLabel = "Working…",
  disabled,
  small,
  iconOnly,
  title,
}: Props) {
  const [open, setOpen] = useState(false);
  const [pos, setPos] = useState<{ top: number; right: number; up: boolean }>();
  const toggleRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const menuId = useId();
  const size = small ? " button-small" : "";

  const close = (focusToggle: boolean) => {
    setOpen(false);
    if (focusToggle) toggleRef.current?.focus();
  };

  const openMenu = () => {
    const r = toggleRef.current?.getBoundingClientRect();
    const below = r ? window.innerHeight - r.bottom : Number.POSITIVE_INFINITY;
    const up = below < 48 * items.length + 16 && (r?.top ?? 0) > below;
    setPos(
      r
        ? { top: up ? r.top - 4 : r.bottom + 4, right: Math.max(8, window.innerWidth - r.right), up }
        : undefined,
    );
    setOpen(true);
  };

  // Focus the first item on open; close on a click elsewhere, a scroll or a resize.
  useEffect(() => {
    if (!open) return;
    menuRef.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    const onDown = (e: MouseEvent) => {
      const t = e.target as Node;
      if (!menuRef.current?.contains(t) && !toggleRef.current?.contains(t)) setOpen(false);
    };
    const onAway = () => setOpen(false);
    document.addEventListener("mousedown", onDown);
    window.addEventListener("resize", onAway);
    document.addEventListener("scroll", onAway, true);
    return () => {
      document.removeEventListener("mousedown", onDown);
      window.removeEventListener("resize", onAway);
      document.removeEventListener("scroll", onAway, true);
    };
  }, [open]);

  const onMenuKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const all = Array.from(menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? []);
    const at = all.indexOf(document.activeElement as HTMLElement);
    const go = (i: number) => all[(i + all.length) % all.length]?.focus();
    if (e.key === "ArrowDown") go(at + 1);
    else if (e.key === "ArrowUp") go(at - 1);
    else if (e.key === "Home") go(0);
    else if (e.key === "End") go(all.length - 1);
    else if (e.key === "Escape") {
      // Only the menu closes, not a dialog around it.
      e.nativeEvent.stopImmediatePropagation();
      close(true);
    } else if (e.key === "Tab") {
      setOpen(false);
      return;
    } else return;
    e.preventDefault();
    e.stopPropagation();
  };

  return (
    <span className="split">
      <button
        type="button"
        className={`button${size} split-main${iconOnly ? " button-icon" : ""}`}
        onClick={onClick}
        disabled={disabled || busy}
        aria-busy={busy || undefined}
        aria-label={busy ? undefined : ariaLabel}
        title={busy && iconOnly ? busyLabel : title}
      >
        {icon && <span className={busy ? "spin" : undefined}>{icon}</span>}
        {iconOnly ? <span className="sr-only">{busy ? busyLabel : label}</span> : busy ? busyLabel : label}
      </button>
      <button
        ref={toggleRef}
        type="button"
        className={`button${size} split-toggle`}
        aria-label={menuLabel}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        disabled={disabled || busy}
        onClick={() => (open ? setOpen(false) : openMenu())}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown" && !open) {
            e.preventDefault();
            openMenu();
          }
        }}
      >
        <Icon.chevronDown />
      </button>
      {open && (
        <div
          ref={menuRef}
          id={menuId}
          role="menu"
          aria-label={menuLabel}
          className={pos?.up ? "menu menu-up" : "menu"}
          style={pos ? { top: pos.top, right: pos.right } : undefined}
          onKeyDown={onMenuKey}
        >
          {items.map((item) => (
            <button
              key={item.label}
              type="button"
              role="menuitem"
              tabIndex={-1}
              className="menu-item"
              onClick={() => {
                close(true);
                item.onSelect();
              }}
            >
              {item.label}
            </button>
          ))}
        </div>
      )}
    </span>
  );
}
