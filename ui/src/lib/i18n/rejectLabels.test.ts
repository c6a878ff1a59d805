import { describe, expect, it } from "vitest";
import { languages } from "./catalogues";
import catalogue from "./reject-labels.json";
import { instructionText, retryReason, staffExplanation } from "./rejectLabels";

describe("reject labels", () => {
  it("give every instruction in every language, never naming a label code", () => {
    const codes = Object.keys(catalogue.labels);
    for (const group of catalogue.order) {
      const texts = languages.map((l) => instructionText(l, group));
      expect(new Set(texts).size, group).toBe(languages.length);
      for (const text of texts) {
        for (const code of codes) expect(text, group).not.toContain(code);
      }
    }
  });

  it("speak German for a label with no comment, and name an unknown label to staff only", () => {
    expect(instructionText("de", "photo")).toMatch(/^Bitte machen Sie das Foto noch einmal/);
    expect(instructionText("es", "no-such-group")).toBe(instructionText("es", "generic"));
    expect(staffExplanation("de", "BACK_SIDE_MISSING")).toBe("Die Rückseite des Dokuments fehlt.");
    expect(staffExplanation("en", "SOMETHING_NEW")).toBe("SOMETHING_NEW");
  });

  it("give the service's own words first, the label's instruction without them", () => {
    expect(retryReason("de", { comment: "Text nicht lesbar.", instruction: "photo" })).toBe("Text nicht lesbar.");
    expect(retryReason("de", { comment: null, instruction: "photo" })).toBe(instructionText("de", "photo"));
  });
});
