/**
 * User regular expressions are checked with RE2 itself, the engine Envoy runs (@portico/ir regex.ts):
 * a pattern RE2 or Envoy's limits refuse would make Envoy NACK the whole route table.
 */
import { grpcMethodRegex, re2Problem } from '@portico/ir';

export function regexProblem(pattern: string): string | undefined {
  return re2Problem(pattern);
}

/**
 * A GRPCRoute RegularExpression method match: each part on its own (so the message names it), then
 * the full-path pattern the xDS translator builds around them, which is what Envoy compiles.
 */
export function grpcMethodRegexProblem(service: string | undefined, method: string | undefined): string | undefined {
  if (service !== undefined && service !== '') {
    const problem = re2Problem(service);
    if (problem) return `service: ${problem}`;
  }
  if (method !== undefined && method !== '') {
    const problem = re2Problem(method);
    if (problem) return `method: ${problem}`;
  }
  const problem = re2Problem(grpcMethodRegex(service, method));
  return problem ? `service and method: ${problem}` : undefined;
}
