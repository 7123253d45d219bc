import { describe, expect, it } from "vitest";
import { ago, duration, relativeTime, shortTime, within } from "./format";
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

describe("shortTime", () => {
  const now = new Date("2026-11-29T12:00:00Z");
  it("stays short enough for one line of a narrow column", () => {
    expect(shortTime("2026-11-29T11:59:50Z", now)).toBe("just now");
    expect(shortTime("2026-11-29T11:58:00Z", now)).toBe("2 min ago");
    expect(shortTime("2026-11-29T10:30:00Z", now)).toBe("2 h ago");
    expect(shortTime("2026-11-28T11:00:00Z", now)).toBe("yesterday");
    expect(shortTime("2026-11-25T12:00:00Z", now)).toBe("4 d ago");
    expect(shortTime("garbage", now)).toBe("garbage");
  });
  it("falls back to a short date, with the year only when it is not this year's", () => {
    const thisYear = shortTime("2026-10-01T12:00:00Z", now);
    expect(thisYear).toBe(
      new Date("2026-10-01T12:00:00Z").toLocaleDateString(undefined, { day: "numeric", month: "short" }),
    );
    expect(thisYear).not.toMatch(/2026/);
    expect(shortTime("2025-10-01T12:00:00Z", now)).toMatch(/2025/);
  });
});

describe("ago", () => {
  const now = new Date("2026-11-29T12:00:00Z");
  it("is compact, for badges and cells", () => {
    expect(ago("2026-11-29T11:59:30Z", now)).toBe("just now");
    expect(ago("2026-11-29T11:55:00Z", now)).toBe("5 min ago");
    expect(ago("2026-11-29T09:00:00Z", now)).toBe("3 h ago");
    expect(ago("2026-11-29T10:30:00Z", now)).toBe("1 h 30 min ago");
    expect(ago("2026-11-27T12:00:00Z", now)).toBe("2 d ago");
    expect(ago("garbage", now)).toBe("garbage");
  });
});

describe("within", () => {
  const now = new Date("2026-11-29T12:00:00Z");
  it("tells whether a time is inside a window before now", () => {
    expect(within("2026-11-29T11:57:00Z", 86400, now)).toBe(true);
    expect(within("2026-11-28T12:00:01Z", 86400, now)).toBe(true);
    expect(within("2026-11-28T11:59:59Z", 86400, now)).toBe(false);
    expect(within("not a date", 86400, now)).toBe(false);
  });
});

describe("duration", () => {
  it("uses the largest sensible units", () => {
    expect(duration(0)).toBe("0 s");
    expect(duration(45)).toBe("45 s");
    expect(duration(300)).toBe("5 min");
    expect(duration(3590)).toBe("1 h");
    expect(duration(3600)).toBe("1 h");
    expect(duration(5400)).toBe("1 h 30 min");
    expect(duration(7 * 86400)).toBe("7 d");
    expect(duration(86400 + 3 * 3600)).toBe("1 d 3 h");
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
