/**
 * `canary: "true"` and its rules (ingress-nginx docs, "Canary"; rootfs/etc/nginx/lua/balancer.lua
 * `route_to_alternative_balancer`): the Ingress is not a route of its own but an alternative backend
 * for the same host and path of a main Ingress. A request goes to the canary when, in this order:
 * 1. `canary-by-header` names a header the request carries, and its value equals
 *    `canary-by-header-value`, or else matches `canary-by-header-pattern` (searched, not anchored), or
 *    else is `always` (`never` keeps the request on the main backend, other values fall through);
 * 2. `canary-by-cookie` names a cookie whose value is `always` (`never`: main backend; other: fall through);
 * 3. at random, `canary-weight` out of `canary-weight-total` (default 100) requests.
 * The split itself is built in canary-routes.ts. The canary Ingress's other annotations are ignored
 * (ingress-nginx takes them from the main Ingress); canary-* annotations without `canary: "true"`
 * have no effect. Both are reported when present.
 */
import { re2Problem } from '@portico/ir';
import { parseBool, type AnnotationValue } from '../annotation-values.js';
import type { AnnotationFamily } from '../ingress-annotations.js';

export interface CanaryPolicy {
  weight: number;
  weightTotal: number;
  /** Lower-cased header name. */
  header?: string;
  headerValue?: string;
  /** An RE2 regex that fully matches what the nginx pattern finds anywhere in the value. */
  headerPattern?: string;
  /** The nginx pattern RE2 cannot evaluate: requests carrying the header stay on the main backend. */
  headerPatternRefused?: true;
  cookie?: string;
}

const RULES = ['canary-weight', 'canary-weight-total', 'canary-by-header', 'canary-by-header-value', 'canary-by-header-pattern', 'canary-by-cookie'] as const;
/** RFC 9110 token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const INTEGER = /^[0-9]{1,9}$/;

export const canaryFamily: AnnotationFamily = {
  names: ['canary', ...RULES],
  parse(values, out, report) {
    const v = values.get('canary');
    const enabled = v ? parseBool(v.value) : undefined;
    if (v && enabled === undefined) report(v, 'is not a boolean ("true" or "false"): the Ingress is served as an ordinary Ingress, as ingress-nginx does');
    if (!enabled) {
      for (const name of RULES) {
        const rule = values.get(name);
        if (rule) report(rule, 'has no effect without canary: "true" (as in ingress-nginx)');
      }
      return;
    }
    const policy: CanaryPolicy = { weight: 0, weightTotal: 100 };
    const total = values.get('canary-weight-total');
    if (total) {
      if (INTEGER.test(total.value.trim()) && Number(total.value) > 0) policy.weightTotal = Number(total.value);
      else report(total, 'is not a whole number greater than 0: 100 is used');
    }
    const weight = values.get('canary-weight');
    if (weight) {
      if (INTEGER.test(weight.value.trim())) policy.weight = Math.min(Number(weight.value), policy.weightTotal);
      else report(weight, 'is not a whole number: no request is sent to the canary by weight');
    }
    const header = values.get('canary-by-header');
    if (header && header.value !== '') {
      if (TOKEN.test(header.value)) policy.header = header.value.toLowerCase();
      else report(header, 'is not a header name: the canary is not chosen by header');
    }
    headerMatch(policy, values.get('canary-by-header-value'), values.get('canary-by-header-pattern'), report);
    const cookie = values.get('canary-by-cookie');
    if (cookie && cookie.value !== '') {
      if (TOKEN.test(cookie.value)) policy.cookie = cookie.value;
      else report(cookie, 'is not a cookie name: the canary is not chosen by cookie');
    }
    out.canary = policy;
  },
};

function headerMatch(policy: CanaryPolicy, value: AnnotationValue | undefined, pattern: AnnotationValue | undefined, report: Parameters<AnnotationFamily['parse']>[2]): void {
  for (const v of [value, pattern]) if (v && v.value !== '' && !policy.header) report(v, 'has no effect without canary-by-header');
  if (!policy.header) return;
  if (value && value.value !== '') {
    policy.headerValue = value.value;
    if (pattern && pattern.value !== '') report(pattern, 'is ignored: canary-by-header-value is set (as in ingress-nginx)');
    return;
  }
  if (!pattern || pattern.value === '') return;
  // ngx.re.match searches the value: the full-match equivalent lets anything around the pattern.
  const regex = `.*(?:${pattern.value}).*`;
  const problem = re2Problem(regex);
  if (!problem) policy.headerPattern = regex;
  else {
    policy.headerPatternRefused = true;
    report(pattern, `cannot be evaluated (${problem}): requests carrying ${policy.header} stay on the main backend`, { unsupported: true });
  }
}
