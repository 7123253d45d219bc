import { describe, expect, it } from "vitest";
import { formatSecretRef, parseSecretRef } from "./secretRef";

describe("secret reference syntax (mirrors the Rust parser)", () => {
  it("formats the canonical text the Rust side expects", () => {
    expect(formatSecretRef({ provider: "aws", path: "prod/db", key: "password" })).toBe(
      "secret://aws/prod/db#password",
    );
    expect(
      formatSecretRef({
        provider: "a",
        path: "x?y#z%w&v",
        version: { kind: "stage", value: "AWSPREVIOUS" },
        key: "k#1",
      }),
    ).toBe("secret://a/x%3Fy%23z%25w%26v?stage=AWSPREVIOUS#k%231");
    expect(formatSecretRef({ provider: "a", path: "with space" })).toBe("secret://a/with%20space");
  });

  it("parses what it formats", () => {
    const parts = {
      provider: "aws-prod",
      path: "/prod/ä b#c",
      version: { kind: "id" as const, value: "v-1" },
      key: "pass word",
    };
    expect(parseSecretRef(formatSecretRef(parts))).toEqual(parts);
    expect(parseSecretRef("secret://aws/db")).toEqual({
      provider: "aws",
      path: "db",
      version: undefined,
      key: undefined,
    });
    expect(parseSecretRef("aws/db")).toBeUndefined();
    expect(parseSecretRef("secret://aws")).toBeUndefined();
  });
});
