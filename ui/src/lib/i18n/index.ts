import { catalogues, languages, type Language, type MessageKey } from "./catalogues";

export { languages, type Language, type MessageKey };

/** The text for `key` in `language`, falling back to English, then to the key itself. */
export function translate(language: Language, key: MessageKey): string {
  return catalogues[language]?.[key] ?? catalogues.en[key] ?? key;
}

/** The best supported language for a list of preferences such as `navigator.languages`. */
export function preferredLanguage(preferences: readonly string[]): Language {
  for (const tag of preferences) {
    const base = tag.toLowerCase().split(/[-_]/)[0];
    const match = languages.find((l) => l === base);
    if (match) return match;
  }
  return "en";
}

/** `translate` with `{name}` placeholders filled in. */
export function format(language: Language, key: MessageKey, values: Record<string, string | number>): string {
  return translate(language, key).replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  );
}
