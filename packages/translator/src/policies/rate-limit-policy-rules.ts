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
  const selected = new Map<string, string>();
  let unselected = 0;
  rules.forEach((rule: unknown, i) => {
    const built = ruleIR(rule, `local.rules[${i}]`, problems);
    if (!built) return;
    const id = selectorId(built);
    if (id === undefined) {
      if (++unselected > 1) problems.push(`local.rules[${i}]: at most one rule may have no clientSelector`);
    } else {
      const clash = [...selected].find(([other]) => selectorsOverlap(id, other));
      if (clash) problems.push(`local.rules[${i}]: its clientSelector overlaps ${clash[1]}'s (a header is selected once per value, and either with values or without)`);
      selected.set(id, `local.rules[${i}]`);
    }
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
  const r = (rule ?? {}) as { limit?: { requests?: unknown; unit?: unknown }; clientSelector?: { header?: { name?: unknown; value?: unknown }; sourceIP?: unknown } };
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
  const { header, sourceIP } = r.clientSelector ?? {};
  if (sourceIP !== undefined && header !== undefined) {
    problems.push(`${path}.clientSelector needs exactly one of header and sourceIP`);
    return undefined;
  }
  if (sourceIP !== undefined) {
    if (sourceIP === true) return { requests, windowSeconds, sourceIP: true };
    problems.push(`${path}.clientSelector.sourceIP can only be true`);
    return undefined;
  }
  const value = header?.value;
  if (typeof header?.name !== 'string' || !HEADER_NAME.test(header.name) || (value !== undefined && (typeof value !== 'string' || value === ''))) {
    problems.push(`${path}.clientSelector needs sourceIP: true or a header with a valid name (and a non-empty value when given)`);
    return undefined;
  }
  const name = header.name.toLowerCase();
  return { requests, windowSeconds, header: value === undefined ? { name } : { name, value } };
}

/** `ip`, `header\0<name>` (every value) or `header\0<name>\0<value>`; undefined for no selector. */
function selectorId(rule: RateLimitRuleIR): string | undefined {
  if (rule.sourceIP) return 'ip';
  if (!rule.header) return undefined;
  return rule.header.value === undefined ? `header\u0000${rule.header.name}` : `header\u0000${rule.header.name}\u0000${rule.header.value}`;
}

/** Two selectors of the same header overlap unless both name different values. */
function selectorsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const [ka, na, va] = a.split('\u0000');
  const [kb, nb, vb] = b.split('\u0000');
  return ka === 'header' && kb === 'header' && na === nb && (va === undefined || vb === undefined);
}
