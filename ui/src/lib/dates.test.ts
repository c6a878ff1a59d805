import { describe, expect, it } from "vitest";
import { dateFormat, formatDate, parseDateOfBirth } from "./dates";

const today = new Date(2026, 10, 30);

describe("parseDateOfBirth", () => {
  it("reads day, month, year in any of the usual separators", () => {
    expect(parseDateOfBirth("31.01.1990", today)).toBe("1990-01-31");
    expect(parseDateOfBirth(" 1/2/1985 ", today)).toBe("1985-02-01");
    expect(parseDateOfBirth("29-02-2000", today)).toBe("2000-02-29");
    expect(parseDateOfBirth("", today)).toBeNull();
  });

  it("refuses what is not a real date of birth", () => {
    for (const bad of ["31.02.1990", "29.02.1900", "1990-01-31", "12/31/1990", "01.01.1899", "01.12.2026", "31.1.90", "abc"]) {
      expect(parseDateOfBirth(bad, today), bad).toBe("invalid");
    }
    expect(parseDateOfBirth("30.11.2026", today)).toBe("2026-11-30");
  });

  it("shows the format in the language's own letters", () => {
    expect([dateFormat("en"), dateFormat("de"), dateFormat("es")]).toEqual(["DD/MM/YYYY", "TT.MM.JJJJ", "DD/MM/AAAA"]);
  });

  it("writes a date back the language's way, and leaves what is not a date alone", () => {
    expect(formatDate("1990-01-31", "de")).toBe("31.01.1990");
    expect(formatDate("1990-01-31", "es")).toBe("31/01/1990");
    expect(formatDate("1990-01", "en")).toBe("1990-01");
  });
});
