/**
 * A RateLimitPolicy's `local.rules` and `global.rules` as RateLimitIR, or the problems that make it Invalid. The CRD
 * schema already refuses all of them; these checks keep an object that bypassed it (a file input, an
 * API server without the CRD's validation) from reaching Envoy as a config it would reject.
 */
import type { GlobalRateLimitRuleIR, RateLimitIR, RateLimitRuleIR } from '@portico/ir';
import type { RateLimitPolicy } from '@portico/resources';

const WINDOW_SECONDS: Readonly<Record<string, number>> = { Second: 1, Minute: 60, Hour: 3600 };
/** The ratelimit service's units (its config's `unit`); Day only for global rules. */
const GLOBAL_UNITS: Readonly<Record<string, GlobalRateLimitRuleIR['unit']>> = { Second: 'second', Minute: 'minute', Hour: 'hour', Day: 'day' };
/** How a global policy's status begins when Portico has no rate-limit service (diagnose looks for it). */
export const RATE_LIMIT_SERVICE_MISSING = 'global rules need the rate-limit service, and none is configured';
/** The CRD's bound on `limit.requests`. */
const MAX_REQUESTS = 1_000_000;
/** RFC 9110 token characters: what Envoy accepts as a header name. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

/**
 * `globalService`: whether a rate-limit service is configured; global rules without one are a problem
 * (the policy would otherwise be Accepted and limit nothing).
 */
export function rateLimitIR(policy: RateLimitPolicy, key: string, problems: string[], globalService = false): RateLimitIR | undefined {
  const spec = policy.spec as { local?: { rules?: unknown }; global?: { rules?: unknown }; responseHeaders?: unknown };
  if (spec.local === undefined && spec.global === undefined) {
    problems.push('spec needs local or global rules');
    return undefined;
  }
  const local = spec.local === undefined ? [] : ruleList(spec.local.rules, 'local', problems, (rule, path) => ruleIR(rule, path, problems));
  const global =
    spec.global === undefined
      ? undefined
      : ruleList(spec.global.rules, 'global', problems, (rule, path, i) => globalRuleIR(rule, path, `${key}/${i}`, problems));
  if (global !== undefined && !globalService) {
    problems.push(`${RATE_LIMIT_SERVICE_MISSING} (portico serve --rate-limit-service; chart value rateLimit.enabled)`);
  }
  if (problems.length > 0) return undefined;
  const responseHeaders = spec.responseHeaders;
  if (responseHeaders !== undefined && typeof responseHeaders !== 'boolean') {
    problems.push('responseHeaders must be true or false');
    return undefined;
  }
  return { policy: key, rules: local, responseHeaders: responseHeaders ?? true, ...(global ? { global } : {}) };
}

/** A non-empty rule list, each rule built by `build`, with at most one unselected rule and no overlapping selectors. */
function ruleList<T extends RateLimitRuleIR | GlobalRateLimitRuleIR>(rules: unknown, field: string, problems: string[], build: (rule: unknown, path: string, i: number) => T | undefined): T[] {
  if (!Array.isArray(rules) || rules.length === 0) {
    problems.push(`${field}.rules must be a non-empty list`);
    return [];
  }
  const out: T[] = [];
  const selected = new Map<string, string>();
  let unselected = 0;
  rules.forEach((rule: unknown, i) => {
    const built = build(rule, `${field}.rules[${i}]`, i);
    if (!built) return;
    const id = selectorId(built);
    if (id === undefined) {
      if (++unselected > 1) problems.push(`${field}.rules[${i}]: at most one rule may have no clientSelector`);
    } else {
      const clash = [...selected].find(([other]) => selectorsOverlap(id, other));
      if (clash) problems.push(`${field}.rules[${i}]: its clientSelector overlaps ${clash[1]}'s (a header is selected once per value, and either with values or without)`);
      selected.set(id, `${field}.rules[${i}]`);
    }
    out.push(built);
  });
  return out;
}

function ruleIR(rule: unknown, path: string, problems: string[]): RateLimitRuleIR | undefined {
  const r = (rule ?? {}) as { limit?: { requests?: unknown; unit?: unknown } };
  const requests = limitRequests(r.limit?.requests, path, problems);
  if (requests === undefined) return undefined;
  const windowSeconds = typeof r.limit?.unit === 'string' ? WINDOW_SECONDS[r.limit.unit] : undefined;
  if (windowSeconds === undefined) {
    problems.push(`${path}.limit.unit must be Second, Minute or Hour`);
    return undefined;
  }
  const selector = clientSelector(rule, path, problems);
  return selector && { requests, windowSeconds, ...selector };
}

function globalRuleIR(rule: unknown, path: string, descriptor: string, problems: string[]): GlobalRateLimitRuleIR | undefined {
  const r = (rule ?? {}) as { limit?: { requests?: unknown; unit?: unknown } };
  const requests = limitRequests(r.limit?.requests, path, problems);
  if (requests === undefined) return undefined;
  const unit = typeof r.limit?.unit === 'string' ? GLOBAL_UNITS[r.limit.unit] : undefined;
  if (unit === undefined) {
    problems.push(`${path}.limit.unit must be Second, Minute, Hour or Day`);
    return undefined;
  }
  const selector = clientSelector(rule, path, problems);
  return selector && { descriptor, requests, unit, ...selector };
}

function limitRequests(requests: unknown, path: string, problems: string[]): number | undefined {
  if (typeof requests === 'number' && Number.isInteger(requests) && requests >= 1 && requests <= MAX_REQUESTS) return requests;
  problems.push(`${path}.limit.requests must be an integer from 1 to ${MAX_REQUESTS}`);
  return undefined;
}

type Selector = { header?: { name: string; value?: string }; sourceIP?: true };

/** The rule's clientSelector (`{}` without one), or undefined after a problem. */
function clientSelector(rule: unknown, path: string, problems: string[]): Selector | undefined {
  const r = (rule ?? {}) as { clientSelector?: { header?: { name?: unknown; value?: unknown }; sourceIP?: unknown } };
  if (r.clientSelector === undefined) return {};
  const { header, sourceIP } = r.clientSelector ?? {};
  if (sourceIP !== undefined && header !== undefined) {
    problems.push(`${path}.clientSelector needs exactly one of header and sourceIP`);
    return undefined;
  }
  if (sourceIP !== undefined) {
    if (sourceIP === true) return { sourceIP: true };
    problems.push(`${path}.clientSelector.sourceIP can only be true`);
    return undefined;
  }
  const value = header?.value;
  if (typeof header?.name !== 'string' || !HEADER_NAME.test(header.name) || (value !== undefined && (typeof value !== 'string' || value === ''))) {
    problems.push(`${path}.clientSelector needs sourceIP: true or a header with a valid name (and a non-empty value when given)`);
    return undefined;
  }
  const name = header.name.toLowerCase();
  return { header: value === undefined ? { name } : { name, value } };
}

/** `ip`, `header\0<name>` (every value) or `header\0<name>\0<value>`; undefined for no selector. */
function selectorId(rule: Selector): string | undefined {
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
