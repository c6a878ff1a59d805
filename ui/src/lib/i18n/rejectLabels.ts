// What the verification service's reject labels ask of the person, and what
// they tell staff: one catalogue, read by the kiosk too (kioskctl's English).
import catalogue from "./reject-labels.json";
import type { Language } from "./index";

type Texts = Record<Language, string>;
const instructions = catalogue.instructions as Record<string, Texts>;
const labels = catalogue.labels as Record<string, { instruction: string; staff: Texts }>;

/** The instruction for the person (an instruction group the kiosk chose from the labels). */
export function instructionText(language: Language, group: string): string {
  return (instructions[group] ?? instructions.generic)[language];
}

/** A label explained to staff; one the catalogue does not know is named as the service sent it. */
export function staffExplanation(language: Language, label: string): string {
  return labels[label]?.staff[language] ?? label;
}

/** What the person reads about a rejected picture: the service's own words, else the instruction for its labels. */
export function retryReason(language: Language, item: { comment: string | null; instruction: string }): string {
  return item.comment ?? instructionText(language, item.instruction);
}
