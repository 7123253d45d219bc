import { describe, expect, it } from "vitest";
import type { TypeSpec } from "../ipc/api";
import { field, httpType, sshType } from "../test/ipc";
import { awsSpec, azureSpec } from "../test/managers";
import { applicableFields, applies, holds, isRequired, labelInText, valueOrDefault } from "./declaration";

const keys = (spec: TypeSpec | typeof awsSpec, plain: Record<string, string>) =>
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
    // A note's condition reads the same way.
    expect(holds(spec, { field: "sub", values: ["x"] }, (k) => ({ mode: "a" })[k])).toBe(false);
    expect(holds(spec, { field: "sub", values: ["x"] }, (k) => ({ mode: "b" })[k])).toBe(true);
    expect(holds(spec, null, () => undefined)).toBe(true);
  });

  it("reads a secrets-manager kind's declaration the same way", () => {
    expect(keys(awsSpec, {})).toEqual(["region", "auth", "endpoint_url"]);
    expect(keys(awsSpec, { auth: "assume_role" })).toEqual([
      "region",
      "auth",
      "role_arn",
      "access_key_id",
      "secret_access_key",
      "endpoint_url",
    ]);
  });
});

describe("isRequired (required, required_when)", () => {
  const f = (spec: typeof awsSpec, key: string) => spec.fields.find((x) => x.key === key) ?? spec.fields[0];
  it("is required only while its required_when holds, and never when it does not apply", () => {
    const at = (auth: string) => (k: string) => ({ auth })[k];
    expect(isRequired(awsSpec, f(awsSpec, "access_key_id"), at("access_key"))).toBe(true);
    expect(isRequired(awsSpec, f(awsSpec, "access_key_id"), at("assume_role"))).toBe(false);
    expect(isRequired(awsSpec, f(awsSpec, "access_key_id"), at("default_chain"))).toBe(false);
    expect(isRequired(awsSpec, f(awsSpec, "role_arn"), at("assume_role"))).toBe(true);
    expect(isRequired(awsSpec, f(awsSpec, "role_arn"), at("profile"))).toBe(false);
    // The controller's default counts: Azure signs in with a client secret by default.
    expect(isRequired(azureSpec, f(azureSpec, "tenant_id"), () => undefined)).toBe(true);
  });

  it("gives a field's value as typed (trimmed), else its default", () => {
    expect(valueOrDefault(azureSpec, "separator", () => " / ")).toBe("/");
    expect(valueOrDefault(azureSpec, "separator", () => "")).toBe("-");
    expect(valueOrDefault(azureSpec, "tag", () => undefined)).toBe("");
  });
});

describe("labelInText", () => {
  it("reads a label in running text", () => {
    expect(labelInText("Certificate password (optional)")).toBe("certificate password");
    expect(labelInText("Secret ID")).toBe("secret ID");
    expect(labelInText("API key")).toBe("API key");
  });
});
