/**
 * What `portico convert` could not express in Gateway API, per Ingress and annotation, with why. Each
 * note is one of:
 * - `partial`: converted, but the Gateway API objects behave differently in the way the message says;
 * - `unsupported`: left out (the message says what the converted objects do instead);
 * - `invalid`: the Ingress itself (or an annotation value) could not be used, as the Ingress translator reports it.
 */
export type ConversionNoteLevel = 'partial' | 'unsupported' | 'invalid';

export interface ConversionNote {
  /** `namespace/name` of the Ingress (or `IngressClass <name>` for notes about a whole class). */
  ingress: string;
  /** The annotation key as written, when the note is about one. */
  annotation?: string;
  level: ConversionNoteLevel;
  message: string;
}

/** One line per note, as printed on standard error. */
export function formatConversionNote(note: ConversionNote): string {
  return `${note.level}: Ingress ${note.ingress}${note.annotation ? ` ${note.annotation}` : ''}: ${note.message}`;
}
