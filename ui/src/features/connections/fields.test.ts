import { describe, expect, it } from "vitest";
import { httpType } from "../../test/ipc";
import { groupTypes } from "./fields";

describe("groupTypes", () => {
  it("keeps the engine's order of groups and of types in each", () => {
    const groups = groupTypes([
      { ...httpType, kind: "postgres", group: "Databases" },
      httpType,
      { ...httpType, kind: "mysql", group: "Databases" },
    ]);
    expect(groups.map((g) => [g.group, g.types.map((t) => t.kind)])).toEqual([
      ["Databases", ["postgres", "mysql"]],
      ["Web and APIs", ["http"]],
    ]);
  });
});
