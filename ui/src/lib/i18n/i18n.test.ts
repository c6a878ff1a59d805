import { describe, expect, it } from "vitest";
import { catalogues, languages } from "./catalogues";
import { preferredLanguage, translate } from "./index";

describe("catalogues", () => {
  const reference = Object.keys(catalogues.en).sort();

  it.each(languages)("%s has exactly the English keys, none empty", (language) => {
    const keys = Object.keys(catalogues[language]).sort();
    expect(keys).toEqual(reference);
    for (const key of keys) {
      expect(catalogues[language][key as keyof typeof catalogues.en].trim()).not.toBe("");
    }
  });

  it("translations are not copies of English except proper names", () => {
    const sameAllowed = new Set(["product.name"]);
    for (const language of languages.filter((l) => l !== "en")) {
      for (const key of reference) {
        const k = key as keyof typeof catalogues.en;
        if (!sameAllowed.has(k)) expect(catalogues[language][k], `${language}:${k}`).not.toBe(catalogues.en[k]);
      }
    }
  });
});

describe("translate and preferredLanguage", () => {
  it("translates per language", () => {
    expect(translate("de", "welcome.start")).toBe("Starten");
    expect(translate("es", "welcome.start")).toBe("Empezar");
    expect(translate("en", "welcome.start")).toBe("Start");
  });

  it("picks the first supported preference by base language", () => {
    expect(preferredLanguage(["fr-FR", "de-AT", "en"])).toBe("de");
    expect(preferredLanguage(["es_MX"])).toBe("es");
    expect(preferredLanguage(["fr", "it"])).toBe("en");
    expect(preferredLanguage([])).toBe("en");
  });
});
