/** Gateway API Duration (GEP-2257): `1h`, `30s`, `1m30s`, `500ms`; at most 4 parts of 1–5 digits. */
const PART = /(\d{1,5})(h|ms|m|s)/g;
const WHOLE = /^((\d{1,5})(h|ms|m|s)){1,4}$/;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** Milliseconds, or undefined when the text is not a Gateway API Duration. */
export function parseDuration(text: string): number | undefined {
  if (!WHOLE.test(text)) return undefined;
  let ms = 0;
  for (const m of text.matchAll(PART)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}
