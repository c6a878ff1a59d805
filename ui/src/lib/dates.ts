// A date of birth as people write it in the kiosk's languages: day, month,
// year, with the language's own separator; sent on as YYYY-MM-DD.
import type { Language } from "./i18n";

/** How the date is written, as shown beside the field. */
export function dateFormat(language: Language): string {
  return { en: "DD/MM/YYYY", de: "TT.MM.JJJJ", es: "DD/MM/AAAA" }[language];
}

/**
 * The date as YYYY-MM-DD; `null` for an empty field; `"invalid"` for
 * anything that is not a real date of birth (no such day, in the future,
 * or before 1900). Any of `.`, `/`, `-` or a space separates the parts.
 */
export function parseDateOfBirth(text: string, today: Date = new Date()): string | null | "invalid" {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  const m = /^(\d{1,2})[./\- ]+(\d{1,2})[./\- ]+(\d{4})$/.exec(trimmed);
  if (!m) return "invalid";
  const [day, month, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  const real = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  const todayUtc = Date.UTC(today.getFullYear(), today.getMonth(), today.getDate());
  if (!real || year < 1900 || date.getTime() > todayUtc) return "invalid";
  const pad = (n: number, w: number) => String(n).padStart(w, "0");
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** A YYYY-MM-DD date as the language writes it; anything else as it came. */
export function formatDate(iso: string, language: Language): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso.trim());
  if (!m) return iso;
  return language === "de" ? `${m[3]}.${m[2]}.${m[1]}` : `${m[3]}/${m[2]}/${m[1]}`;
}
