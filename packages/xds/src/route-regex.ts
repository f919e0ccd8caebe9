/**
 * Building RE2 patterns (Envoy's `safe_regex` engine) from literal text and user patterns. Envoy's
 * RegexMatcher is a full match, but the patterns here are anchored anyway so they read the same in
 * the config dump as in a test compiled with JavaScript's RegExp (whose syntax they stay within).
 */

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

/** Text for the substitution of a RegexMatchAndSubstitute: RE2's Rewrite() treats `\` as an escape. */
export function escapeSubstitution(text: string): string {
  return text.replace(/\\/g, '\\\\');
}
