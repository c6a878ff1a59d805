import type { MessageKey } from "./i18n";

/** How long something has waited, in the largest unit that reads well. */
export function ageParts(secs: number): { key: MessageKey; n: number } {
  if (secs < 2 * 3600) return { key: "age.minutes", n: Math.max(1, Math.floor(secs / 60)) };
  if (secs < 2 * 86400) return { key: "age.hours", n: Math.floor(secs / 3600) };
  return { key: "age.days", n: Math.floor(secs / 86400) };
}
