import { describe, expect, it } from "vitest";
import { relativeTime } from "./format";
import { applyTheme } from "./theme";

describe("relativeTime", () => {
  const now = new Date("2026-11-29T12:00:00Z");
  it("describes recent times in words", () => {
    expect(relativeTime("2026-11-29T11:59:50Z", now)).toBe("just now");
    expect(relativeTime("2026-11-29T11:59:00Z", now)).toBe("1 minute ago");
    expect(relativeTime("2026-11-29T11:15:00Z", now)).toBe("45 minutes ago");
    expect(relativeTime("2026-11-29T09:00:00Z", now)).toBe("3 hours ago");
    expect(relativeTime("2026-11-28T11:00:00Z", now)).toBe("yesterday");
    expect(relativeTime("2026-11-25T12:00:00Z", now)).toBe("4 days ago");
  });
  it("returns unparseable input unchanged", () => {
    expect(relativeTime("not a date", now)).toBe("not a date");
  });
});

describe("applyTheme", () => {
  it("sets data-theme and remembers the choice", () => {
    applyTheme("dark");
    expect(document.documentElement.dataset.theme).toBe("dark");
    applyTheme("light");
    expect(document.documentElement.dataset.theme).toBe("light");
    expect(localStorage.getItem("latchkey.theme")).toBe("light");
  });
});
