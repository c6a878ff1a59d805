import { describe, expect, it } from "vitest";
import { countries, searchCountries } from "./index";

describe("countries", () => {
  it("lists every ISO country with its alpha-3 code", () => {
    const list = countries("en");
    expect(list.length).toBeGreaterThan(240);
    expect(list.find((c) => c.alpha3 === "DEU")?.alpha2).toBe("DE");
  });

  it("names countries in the screen's language and searches without accents", () => {
    const de = countries("de");
    expect(de.find((c) => c.alpha3 === "DEU")?.name).toBe("Deutschland");
    const es = countries("es");
    expect(searchCountries(es, "espana").map((c) => c.alpha3)).toContain("ESP");
    expect(searchCountries(es, "fra").map((c) => c.alpha3)).toContain("FRA");
    expect(searchCountries(de, "xyz-nothing")).toEqual([]);
  });
});
