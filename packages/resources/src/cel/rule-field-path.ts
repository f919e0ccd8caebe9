/**
 * A rule's `fieldPath` (apiextensions-apiserver cel/validation.go ValidFieldPath): a JSON path relative
 * to the rule's node made of `.name` and `['key']` steps, e.g. `.spec.ports` or `.labels['app.io/x']`.
 */
import type { FieldPathSegment } from '../loading/errors.js';

/** The path's segments; a path the API server would refuse (it refuses such a CRD) yields none. */
export function parseRuleFieldPath(fieldPath: string): FieldPathSegment[] {
  const segments: FieldPathSegment[] = [];
  const step = /\.([^.[\]]+)|\['((?:[^'\\]|\\.)*)'\]/y;
  let at = 0;
  while (at < fieldPath.length) {
    step.lastIndex = at;
    const m = step.exec(fieldPath);
    if (!m) return [];
    // unescapeSingleQuote: `\'` and `\\` inside a quoted key.
    segments.push(m[1] ?? (m[2] as string).replace(/\\(.)/g, '$1'));
    at = step.lastIndex;
  }
  return segments;
}
