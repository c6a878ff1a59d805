import { describe, expect, it } from "vitest";
import { languages } from "./i18n/catalogues";
import { ageParts, noOutboxText } from "./outbox";

describe("ageParts", () => {
  it("reads in minutes, then hours, then days", () => {
    expect(ageParts(5)).toEqual({ key: "age.minutes", n: 1 });
    expect(ageParts(59 * 60)).toEqual({ key: "age.minutes", n: 59 });
    expect(ageParts(2 * 3600)).toEqual({ key: "age.hours", n: 2 });
    expect(ageParts(47 * 3600 + 3599)).toEqual({ key: "age.hours", n: 47 });
    expect(ageParts(3 * 86400 + 10)).toEqual({ key: "age.days", n: 3 });
  });
});

describe("noOutboxText", () => {
  it("names what waits for the live service, in the kiosk's language", () => {
    const waiting = {
      reason: "live_sessions_waiting" as const,
      waiting: [
        { count: 2, destination: "sandbox at https://api.example (account abc)" },
        { count: 1, destination: "production at https://api.example (account def)" },
      ],
    };
    expect(noOutboxText("de", waiting)).toBe(
      "Sitzungen aus dem Live-Betrieb warten im Postausgang (2 für sandbox at https://api.example (account abc); 1 für production at https://api.example (account def)). Ein Übungsterminal sendet sie nie: Sie warten unverändert, bis das Terminal wieder mit diesem Konto live ist.",
    );
    expect(noOutboxText("en", waiting)).toContain("(2 for sandbox at https://api.example (account abc); 1 for production");
  });

  it("says every reason in every language, with its values and no placeholder left", () => {
    const reasons = [
      { reason: "self_service" as const },
      { reason: "keychain" as const },
      { reason: "key_missing" as const, waiting: 3 },
      { reason: "wrong_key" as const },
      { reason: "newer" as const },
      { reason: "unreadable" as const },
    ];
    for (const language of languages) {
      const texts = reasons.map((r) => noOutboxText(language, r));
      for (const text of texts) expect(text, `${language}: ${text}`).not.toMatch(/[{}]|outbox\.no\./);
      expect(new Set(texts).size, language).toBe(reasons.length);
      expect(texts[2], language).toContain("3");
    }
  });
});
