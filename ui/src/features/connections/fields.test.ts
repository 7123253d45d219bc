import { describe, expect, it } from "vitest";
import type { TypeSpec } from "../../ipc/api";
import { connection, field, httpType, sshType } from "../../test/ipc";
import { applicableFields, applies, groupTypes, target } from "./fields";

const keys = (spec: TypeSpec, plain: Record<string, string>) =>
  applicableFields(spec, plain).map((f) => f.key);

describe("applies (show_when)", () => {
  it("follows the controller's value, or its default when empty", () => {
    expect(keys(httpType, {})).toContain("token"); // auth defaults to bearer
    expect(keys(httpType, { auth: "" })).toContain("token");
    expect(keys(httpType, { auth: "basic" })).toEqual(expect.arrayContaining(["username", "password"]));
    expect(keys(httpType, { auth: "basic" })).not.toContain("token");
    expect(keys(httpType, { auth: " api_key " })).toEqual(
      expect.arrayContaining(["api_key_in", "api_key_name", "api_key"]),
    );
  });

  it("hides a field whose controller is hidden itself", () => {
    const spec: TypeSpec = {
      ...sshType,
      fields: [
        field("mode", "Mode", "choice", true, { default: "a" }),
        field("sub", "Sub", "choice", true, { default: "x", show_when: { field: "mode", values: ["b"] } }),
        field("leaf", "Leaf", "text", false, { show_when: { field: "sub", values: ["x"] } }),
        field("orphan", "Orphan", "text", false, { show_when: { field: "missing", values: [""] } }),
      ],
    };
    expect(keys(spec, { mode: "a", sub: "x" })).toEqual(["mode"]);
    expect(keys(spec, { mode: "b", sub: "" })).toEqual(["mode", "sub", "leaf"]);
    const leaf = spec.fields[2];
    expect(applies(spec, leaf, (k) => ({ mode: "b", sub: "y" })[k])).toBe(false);
  });
});

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

describe("target", () => {
  const plain = (value: string) => ({ source: "plain" as const, value });
  it("names what each type points at on one line", () => {
    expect(target(connection())).toBe("app@db.internal:5432/billing");
    expect(
      target(
        connection({
          kind: "http",
          fields: { base_url: plain("https://api.example.com"), auth: plain("bearer") },
        }),
      ),
    ).toBe("https://api.example.com");
    expect(
      target(connection({ kind: "s3", fields: { bucket: plain("reports"), region: plain("eu-west-1") } })),
    ).toBe("s3://reports");
    expect(
      target(
        connection({
          kind: "s3",
          fields: { bucket: plain("reports"), endpoint: plain("https://minio.internal:9000") },
        }),
      ),
    ).toBe("s3://reports @ minio.internal:9000");
    expect(
      target(
        connection({
          kind: "ssh",
          fields: { host: plain("bastion"), port: plain("22"), user: plain("deploy") },
        }),
      ),
    ).toBe("deploy@bastion:22");
    expect(
      target(
        connection({
          kind: "smtp",
          fields: { host: plain("smtp.x"), port: plain("587"), user: plain("a@x.org") },
        }),
      ),
    ).toBe("smtp.x:587");
    expect(target(connection({ kind: "redis", fields: { host: plain("cache"), port: plain("6379") } }))).toBe(
      "cache:6379",
    );
    expect(target(connection({ kind: "jira", fields: {} }))).toBe("—");
  });
});
