import type { NoOutbox } from "./backend";
import { format, translate, type Language, type MessageKey } from "./i18n";

/** How long something has waited, in the largest unit that reads well. */
export function ageParts(secs: number): { key: MessageKey; n: number } {
  if (secs < 2 * 3600) return { key: "age.minutes", n: Math.max(1, Math.floor(secs / 60)) };
  if (secs < 2 * 86400) return { key: "age.hours", n: Math.floor(secs / 3600) };
  return { key: "age.days", n: Math.floor(secs / 86400) };
}

/** Why sessions cannot be kept here (or what waits unsent in training), in `language`. */
export function noOutboxText(language: Language, problem: NoOutbox): string {
  switch (problem.reason) {
    case "live_sessions_waiting": {
      const list = problem.waiting
        .map((w) => format(language, "outbox.waiting_for", { n: w.count, destination: w.destination }))
        .join("; ");
      return format(language, "outbox.live_waiting", { list });
    }
    case "key_missing":
      return format(language, "outbox.unavailable", {
        reason: format(language, "outbox.no.key_missing", { n: problem.waiting }),
      });
    default:
      return format(language, "outbox.unavailable", { reason: translate(language, `outbox.no.${problem.reason}`) });
  }
}
