import { describe, expect, it } from "vitest";
import { BackendError, type IpcError } from "../backend";
import { catalogues, languages } from "./catalogues";
import { errorText } from "./errors";

const tooLarge: IpcError = {
  code: "invalid",
  key: "error.file_too_many_pixels",
  params: { width: "16000", height: "16000", max_megapixels: "50" },
  message: "the image has 16000×16000 pixels; the kiosk takes pictures of up to 50 megapixels",
  correlation_id: null,
};

describe("errorText", () => {
  it("says a refusal in the person's language, with its values", () => {
    const e = new BackendError(tooLarge);
    expect(errorText("de", e)).toBe(
      "Diese Datei kann nicht verwendet werden: Das Bild hat 16000×16000 Pixel; das Terminal nimmt Bilder bis 50 Megapixel an.",
    );
    expect(errorText("es", e)).toContain("16000×16000 píxeles");
    expect(errorText("en", e)).toBe(
      "This file cannot be used: the image has 16000×16000 pixels; the kiosk takes pictures of up to 50 megapixels.",
    );
  });

  it("gives staff the service's reference, and customers only the message", () => {
    const e = new BackendError({
      code: "service",
      key: "error.service",
      params: {},
      message: "verification service error 500: internal (correlation id req-42)",
      correlation_id: "req-42",
    });
    expect(errorText("en", e, true)).toBe(
      "The verification service refused the request. (Reference for support: req-42)",
    );
    expect(errorText("en", e, false)).toBe("The verification service refused the request.");
  });

  it("says something went wrong for anything that is not a backend error", () => {
    expect(errorText("de", new Error("boom"))).toBe(catalogues.de["error.generic"]);
    expect(errorText("es", "?")).toBe(catalogues.es["error.generic"]);
  });

  it("every placeholder of an error text is one the backend fills in", () => {
    // The values each key is sent with (see the shell's error mapping).
    const values: Record<string, string[]> = {
      "error.file_too_large": ["max_mb"],
      "error.file_unsupported": ["format"],
      "error.file_too_many_pixels": ["width", "height", "max_megapixels"],
      "error.pin_wrong": ["remaining"],
      "error.pin_locked_out": ["minutes"],
      "error.admin_token_environment": ["token", "kiosk"],
      "error.reference": ["id"],
    };
    for (const language of languages) {
      for (const [key, text] of Object.entries(catalogues[language])) {
        if (!key.startsWith("error.")) continue;
        const placeholders = [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        expect(placeholders, `${language}:${key}`).toEqual([...(values[key] ?? [])].sort());
      }
    }
  });
});
