/**
 * A RateLimitPolicy's `local.rules` as RateLimitIR, or the problems that make it Invalid. The CRD
 * schema already refuses all of them; these checks keep an object that bypassed it (a file input, an
 * API server without the CRD's validation) from reaching Envoy as a config it would reject.
 */
import type { RateLimitIR, RateLimitRuleIR } from '@portico/ir';
import type { RateLimitPolicy } from '@portico/resources';

const WINDOW_SECONDS: Readonly<Record<string, number>> = { Second: 1, Minute: 60, Hour: 3600 };
/** The CRD's bound on `limit.requests`. */
const MAX_REQUESTS = 1_000_000;
/** RFC 9110 token characters: what Envoy accepts as a header name. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

export function rateLimitIR(policy: RateLimitPolicy, key: string, problems: string[]): RateLimitIR | undefined {
  const rules: unknown = policy.spec.local?.rules;
  if (!Array.isArray(rules) || rules.length === 0) {
    problems.push('local.rules must be a non-empty list');
    return undefined;
  }
  const out: RateLimitRuleIR[] = [];
  const selected = new Set<string>();
  let unselected = 0;
  rules.forEach((rule: unknown, i) => {
    const built = ruleIR(rule, `local.rules[${i}]`, problems);
    if (!built) return;
    if (built.header) {
      const id = `${built.header.name}\u0000${built.header.value}`;
      if (selected.has(id)) problems.push(`local.rules[${i}]: header ${built.header.name}: ${JSON.stringify(built.header.value)} is already selected by another rule`);
      selected.add(id);
    } else if (++unselected > 1) problems.push(`local.rules[${i}]: at most one rule may have no clientSelector`);
    out.push(built);
  });
  if (problems.length > 0) return undefined;
  const responseHeaders = policy.spec.responseHeaders;
  if (responseHeaders !== undefined && typeof responseHeaders !== 'boolean') {
    problems.push('responseHeaders must be true or false');
    return undefined;
  }
  return { policy: key, rules: out, responseHeaders: responseHeaders ?? true };
}

function ruleIR(rule: unknown, path: string, problems: string[]): RateLimitRuleIR | undefined {
  const r = (rule ?? {}) as { limit?: { requests?: unknown; unit?: unknown }; clientSelector?: { header?: { name?: unknown; value?: unknown } } };
  const requests = r.limit?.requests;
  const windowSeconds = typeof r.limit?.unit === 'string' ? WINDOW_SECONDS[r.limit.unit] : undefined;
  if (typeof requests !== 'number' || !Number.isInteger(requests) || requests < 1 || requests > MAX_REQUESTS) {
    problems.push(`${path}.limit.requests must be an integer from 1 to ${MAX_REQUESTS}`);
    return undefined;
  }
  if (windowSeconds === undefined) {
    problems.push(`${path}.limit.unit must be Second, Minute or Hour`);
    return undefined;
  }
  if (r.clientSelector === undefined) return { requests, windowSeconds };
  const header = r.clientSelector?.header;
  if (typeof header?.name !== 'string' || !HEADER_NAME.test(header.name) || typeof header.value !== 'string' || header.value === '') {
    problems.push(`${path}.clientSelector.header needs a valid header name and a non-empty value`);
    return undefined;
  }
  return { requests, windowSeconds, header: { name: header.name.toLowerCase(), value: header.value } };
}
