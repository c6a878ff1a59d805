import { describe, expect, it, vi } from "vitest";

vi.mock("./bindings", () => ({ commands: {}, events: {} }));

const { BackendError, unwrap } = await import("./index");

describe("unwrap", () => {
  it("returns the data of an ok result", async () => {
    await expect(unwrap(Promise.resolve({ status: "ok" as const, data: 42 }))).resolves.toBe(42);
  });

  it("throws a BackendError carrying the code, message key and values of an error result", async () => {
    const failing = unwrap(
      Promise.resolve({
        status: "error" as const,
        error: {
          code: "invalid" as const,
          key: "error.file_too_large" as const,
          params: { max_mb: "25" },
          message: "the file is larger than 25 MB",
          correlation_id: null,
        },
      }),
    );
    await expect(failing).rejects.toBeInstanceOf(BackendError);
    await expect(failing).rejects.toMatchObject({
      code: "invalid",
      key: "error.file_too_large",
      params: { max_mb: "25" },
      message: "the file is larger than 25 MB",
      correlationId: null,
    });
  });
});

const { pictureBase } = await import("./index");

describe("pictureBase", () => {
  it("uses the custom scheme on Linux and macOS and the localhost form on Windows", () => {
    expect(pictureBase("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit")).toBe("kiosk://localhost");
    expect(pictureBase("Mozilla/5.0 (Macintosh) AppleWebKit")).toBe("kiosk://localhost");
    expect(pictureBase("Mozilla/5.0 (Windows NT 10.0) Edg/120")).toBe("http://kiosk.localhost");
  });
});
