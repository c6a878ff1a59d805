import { describe, expect, it, vi } from "vitest";

vi.mock("./bindings", () => ({ commands: {} }));

const { BackendError, unwrap } = await import("./index");

describe("unwrap", () => {
  it("returns the data of an ok result", async () => {
    await expect(unwrap(Promise.resolve({ status: "ok" as const, data: 42 }))).resolves.toBe(42);
  });

  it("throws a BackendError carrying the code of an error result", async () => {
    const failing = unwrap(
      Promise.resolve({ status: "error" as const, error: { code: "internal" as const, message: "boom" } }),
    );
    await expect(failing).rejects.toBeInstanceOf(BackendError);
    await expect(failing).rejects.toMatchObject({ code: "internal", message: "boom" });
  });
});
