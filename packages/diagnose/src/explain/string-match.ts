/**
 * Envoy's StringMatcher (envoy.type.matcher.v3.StringMatcher) and RegexMatcher, evaluated as Envoy
 * evaluates them: exact / prefix / suffix / contains, optionally ignoring ASCII case, and safe_regex as
 * a full match with RE2 (Envoy's only engine, CompiledGoogleReMatcher uses RE2::FullMatch).
 */
import { createRequire } from 'node:module';
import type { Json } from './xds-view.js';

interface RE2Like {
  test(text: string): boolean;
}
type RE2Constructor = new (pattern: string, flags?: string) => RE2Like;

// `re2` is a CommonJS native addon, loaded with require on first use (as @portico/ir does).
let loaded: RE2Constructor | undefined;
const re2 = (): RE2Constructor => (loaded ??= createRequire(import.meta.url)('re2') as RE2Constructor);
const compiled = new Map<string, RE2Like | null>();

/** RE2::FullMatch of `pattern` on `text`; a pattern RE2 refuses never matches (Envoy would have refused the config). */
export function regexFullMatch(pattern: string, text: string): boolean {
  let regex = compiled.get(pattern);
  if (regex === undefined) {
    try {
      regex = new (re2())(`^(?:${pattern})$`);
    } catch {
      regex = null;
    }
    if (compiled.size > 1000) compiled.clear();
    compiled.set(pattern, regex);
  }
  return regex !== null && regex.test(text);
}

const lower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** Whether `value` satisfies the StringMatcher `m`. */
export function stringMatches(m: Json, value: string): boolean {
  const ignoreCase = m.ignoreCase === true;
  const v = ignoreCase ? lower(value) : value;
  const operand = (key: string): string => (ignoreCase ? lower(String(m[key])) : String(m[key]));
  if (typeof m.exact === 'string') return v === operand('exact');
  if (typeof m.prefix === 'string') return v.startsWith(operand('prefix'));
  if (typeof m.suffix === 'string') return v.endsWith(operand('suffix'));
  if (typeof m.contains === 'string') return v.includes(operand('contains'));
  const safeRegex = m.safeRegex as Json | undefined;
  if (safeRegex && typeof safeRegex.regex === 'string') return regexFullMatch(safeRegex.regex, value);
  return false;
}

/** The StringMatcher as a short phrase for explanations: `= "v1"`, `~ "v[0-9]+"`. */
export function describeStringMatch(m: Json): string {
  const ci = m.ignoreCase === true ? ' (any case)' : '';
  if (typeof m.exact === 'string') return `= ${JSON.stringify(m.exact)}${ci}`;
  if (typeof m.prefix === 'string') return `starts with ${JSON.stringify(m.prefix)}${ci}`;
  if (typeof m.suffix === 'string') return `ends with ${JSON.stringify(m.suffix)}${ci}`;
  if (typeof m.contains === 'string') return `contains ${JSON.stringify(m.contains)}${ci}`;
  const safeRegex = m.safeRegex as Json | undefined;
  if (safeRegex) return `matches regex ${JSON.stringify(safeRegex.regex)}`;
  return 'matches (unknown matcher)';
}
