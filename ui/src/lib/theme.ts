export type ThemeChoice = "system" | "light" | "dark";
const KEY = "latchkey.theme";

export function storedTheme(): ThemeChoice {
  const v = globalThis.localStorage?.getItem(KEY);
  return v === "light" || v === "dark" ? v : "system";
}

/** Applies a theme to <html data-theme>; "system" follows the OS setting. */
export function applyTheme(choice: ThemeChoice): void {
  globalThis.localStorage?.setItem(KEY, choice);
  const dark =
    choice === "dark" ||
    (choice === "system" && globalThis.matchMedia?.("(prefers-color-scheme: dark)").matches === true);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
}
