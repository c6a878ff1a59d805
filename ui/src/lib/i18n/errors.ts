// A failed command as people read it: the backend sends a message key and
// its values; the text comes from the person's catalogue.
import { BackendError } from "../backend";
import type { ErrorKey } from "../backend/bindings";
import { format, translate, type Language, type MessageKey } from "./index";

// Every key the backend can send has a text in the catalogues: a key missing
// there makes this line fail the type check.
const everyErrorKeyIsTranslated: [Exclude<ErrorKey, MessageKey>] extends [never] ? true : Exclude<ErrorKey, MessageKey> = true;
void everyErrorKeyIsTranslated;

/** The text for a failed command; `staff` adds the verification service's reference. */
export function errorText(language: Language, e: unknown, staff = false): string {
  if (!(e instanceof BackendError)) return translate(language, "error.generic");
  const text = format(language, e.key, e.params);
  return staff && e.correlationId ? `${text} ${format(language, "error.reference", { id: e.correlationId })}` : text;
}
