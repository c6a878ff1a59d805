import { describe, expect, it } from "vitest";
import { ageParts } from "./outbox";

describe("ageParts", () => {
  it("reads in minutes, then hours, then days", () => {
    expect(ageParts(5)).toEqual({ key: "age.minutes", n: 1 });
    expect(ageParts(59 * 60)).toEqual({ key: "age.minutes", n: 59 });
    expect(ageParts(2 * 3600)).toEqual({ key: "age.hours", n: 2 });
    expect(ageParts(47 * 3600 + 3599)).toEqual({ key: "age.hours", n: 47 });
    expect(ageParts(3 * 86400 + 10)).toEqual({ key: "age.days", n: 3 });
  });
});
