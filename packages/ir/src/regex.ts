/**
 * Regular expressions as Envoy runs them: RE2 (`safe_regex`, google_re2, Envoy's only engine). A
 * pattern is checked by compiling it with RE2 itself (node-re2, the maintained binding, RE2 vendored
 * at build time), so what RE2 refuses — repetitions over 1000 (also nested: `((a{100}){100}){100}`),
 * backreferences, `\u`/`\c` escapes, unknown `\p{…}` classes, lookaround — is refused here, and what
 * RE2 accepts but JavaScript's RegExp does not (`(?i)abc`, `[[:alpha:]]+`) is accepted.
 *
 * Envoy's limits (source/common/common/regex.cc, CompiledGoogleReMatcher): a `RegexMatcher.regex`
 * has at least one character (PGV `min_len: 1`); the compiled program may have at most
 * `re2.max_program_size.error_level` instructions (our bootstrap raises it to 1,048,576), compiled
 * with `max_mem` = that level × 1 KiB clamped to [8 MiB, 256 MiB]. node-re2 compiles with RE2's
 * default 8 MiB, whose instruction budget (max_mem × 2/3 / 4 / 16 bytes ≈ 87,000 instructions) is well
 * under Envoy's 1,048,576: a pattern that compiles here is never too large for Envoy; a few that
 * Envoy would take (between ~87,000 and 1,048,576 instructions) are refused, with RE2's message.
 *
 * node-re2 translates JavaScript-only syntax before compiling (`\u00e9` → `\x{00e9}`, `\cA`,
 * `\p{Script=Greek}`, the empty pattern → `(?:)`); Envoy does not (its RE2 says "invalid escape
 * sequence: \u"). A pattern the binding had to translate is therefore refused: what it compiled
 * (`internalSource`) differs from what it was given (`source`). One translation is harmless: named
 * groups `(?<name>…)`, which Envoy's RE2 accepts as they are and the binding spells `(?P<name>…)`;
 * they are given to it in that spelling already.
 */
import { createRequire } from 'node:module';

interface RE2Instance {
  exec(input: string): unknown[] | null;
  /** The pattern as given, escaped for display (`/` → `\/`). */
  readonly source: string;
  /** The pattern RE2 compiled, escaped the same way. */
  readonly internalSource: string;
}
type RE2Constructor = new (pattern: string, flags: string) => RE2Instance;

// `re2` is a CommonJS native addon: loaded with require so its `module.exports = RE2` is the class;
// on first use, so that what imports this package only for the IR types or dumps never loads it.
let loaded: RE2Constructor | undefined;
const re2 = (): RE2Constructor => (loaded ??= createRequire(import.meta.url)('re2') as RE2Constructor);

/** `(?<` opening a named group (not lookbehind `(?<=` / `(?<!`, which RE2 refuses anyway). */
const NAMED_GROUP = /\(\?<(?=[A-Za-z_])/g;

/** Longest stretch of a refused value quoted in a message. */
const QUOTE_LIMIT = 80;

/** A value quoted for a status message, shortened when long (a message names the value, not all of it). */
export function quoteValue(value: string): string {
  const shown = value.length > QUOTE_LIMIT ? `${value.slice(0, QUOTE_LIMIT)}…` : value;
  return JSON.stringify(shown) + (value.length > QUOTE_LIMIT ? ` (${value.length} characters)` : '');
}

/** RE2's messages end with the offending part of the pattern, which may be most of it. */
function shortened(message: string): string {
  return message.length > 2 * QUOTE_LIMIT ? `${message.slice(0, 2 * QUOTE_LIMIT)}…` : message;
}

/**
 * How many capture groups a pattern RE2 accepts (see re2Problem) has: what a `regex_rewrite`
 * substitution may name (`\1` … `\N`). Counted by RE2 itself: the pattern with an empty alternative
 * always matches the empty string, and its result lists every group.
 */
export function re2GroupCount(pattern: string): number {
  const RE2 = re2();
  const result = new RE2(`(?:${pattern.replace(NAMED_GROUP, '(?P<')})|`, 'u').exec('');
  return result ? result.length - 1 : 0;
}

/**
 * Why Envoy would refuse `pattern` as a `safe_regex`, or undefined when it would accept it.
 * The message starts with the quoted pattern: callers prefix it with the field.
 */
export function re2Problem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'regular expression must not be empty (Envoy refuses an empty safe_regex)';
  // Outside the try: a binding that fails to load is an installation error, not the user's pattern.
  const RE2 = re2();
  let compiled: RE2Instance;
  try {
    // `u`: UTF-8 as Envoy compiles; no other flag, as Envoy sets none.
    compiled = new RE2(pattern.replace(NAMED_GROUP, '(?P<'), 'u');
  } catch (e) {
    return `regular expression ${quoteValue(pattern)} is refused by RE2: ${shortened((e as Error).message)}`;
  }
  if (compiled.internalSource !== compiled.source) {
    return `regular expression ${quoteValue(pattern)} is refused by RE2: it uses JavaScript-only syntax (\\u, \\c, \\p{Name=Value} or similar) that Envoy's RE2 does not accept`;
  }
  return undefined;
}

/** Escapes RE2 metacharacters; `/`, `-` and letters stay as they are. */
export function escapeRegex(literal: string): string {
  return literal.replace(/[\\.^$|?*+()[\]{}]/g, '\\$&');
}

/**
 * A user pattern made fit to be one part of a larger anchored pattern: a leading `^` and a trailing
 * unescaped `$` are dropped (users often anchor their own regex, which inside `^/(?:…)/…$` would
 * never match), and the rest is grouped so an alternation `a|b` stays inside its part.
 */
export function embeddedRegex(pattern: string): string {
  let p = pattern.startsWith('^') ? pattern.slice(1) : pattern;
  // `$` is an anchor unless an odd number of backslashes escapes it.
  const backslashes = /\\*$/.exec(p.slice(0, -1))![0].length;
  if (p.endsWith('$') && backslashes % 2 === 0) p = p.slice(0, -1);
  return `(?:${p})`;
}

/** The full-path pattern a GRPCRoute RegularExpression method match becomes (`/<service>/<method>`). */
export function grpcMethodRegex(service: string | undefined, method: string | undefined): string {
  const servicePart = service ? embeddedRegex(service) : '[^/]+';
  const methodPart = method ? embeddedRegex(method) : '[^/]+';
  return `^/${servicePart}/${methodPart}$`;
}
