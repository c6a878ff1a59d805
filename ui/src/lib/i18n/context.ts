// The person's language for every component, through Svelte's context: the
// app provides it once, components read it where they need text.
import { getContext, setContext } from "svelte";
import { errorText } from "./errors";
import { format, translate, type Language, type MessageKey } from "./index";

export interface I18n {
  /** The language chosen now (reading it in a template follows changes). */
  readonly language: Language;
  t(key: MessageKey): string;
  tf(key: MessageKey, values: Record<string, string | number>): string;
  /** A failed command in the person's language; `staff` adds the service's reference. */
  error(e: unknown, staff?: boolean): string;
}

const key = Symbol("i18n");

/** Called once by the app with a getter of its language state. */
export function provideI18n(language: () => Language): I18n {
  const i18n: I18n = {
    get language() {
      return language();
    },
    t: (k) => translate(language(), k),
    tf: (k, values) => format(language(), k, values),
    error: (e, staff = false) => errorText(language(), e, staff),
  };
  setContext(key, i18n);
  return i18n;
}

export function useI18n(): I18n {
  const i18n = getContext<I18n | undefined>(key);
  if (!i18n) throw new Error("useI18n outside the app: provideI18n first");
  return i18n;
}
