/**
 * Envoy evaluates regular expressions with RE2, which has no lookaround and no backreferences.
 * JavaScript's RegExp parses a superset; rejecting the constructs RE2 lacks catches what Envoy would.
 */
const RE2_UNSUPPORTED = /\(\?[=!]|\(\?<[=!]|\\[1-9]/;

export function regexProblem(pattern: string): string | undefined {
  if (RE2_UNSUPPORTED.test(pattern)) return `regular expression ${JSON.stringify(pattern)} uses lookaround or backreferences, which RE2 does not support`;
  try {
    new RegExp(pattern, 'u');
    return undefined;
  } catch (e) {
    return `regular expression ${JSON.stringify(pattern)} is invalid: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`;
  }
}
