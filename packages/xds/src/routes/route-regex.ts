/**
 * Building RE2 patterns (Envoy's `safe_regex` engine) from literal text and user patterns. Envoy's
 * RegexMatcher is a full match, but the patterns here are anchored anyway so they read the same in
 * the config dump as in a test compiled with JavaScript's RegExp (whose syntax they stay within).
 */

// Shared with the translator, which checks with RE2 the very patterns built here (@portico/ir regex.ts).
export { embeddedRegex, escapeRegex, grpcMethodRegex } from '@portico/ir';

/** Text for the substitution of a RegexMatchAndSubstitute: RE2's Rewrite() treats `\` as an escape. */
export function escapeSubstitution(text: string): string {
  return text.replace(/\\/g, '\\\\');
}
