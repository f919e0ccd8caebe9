/**
 * The envoyproxy/ratelimit service's own configuration, from the same IR the Envoys are served: one
 * file per Gateway with global limits, whose `domain` is the one its Envoys' ratelimit filter names
 * (GatewayIR.rateLimitService.domain), holding one descriptor per policy rule under the keys its
 * routes' actions produce (routes/rate-limit-global-per-route.ts):
 *
 *   rule=<ns/policy/i>                      → the rule's limit (no selector: one counter)
 *   rule=<ns/policy/i>, header=<value>      → the limit (a header rule with a value)
 *   rule=<ns/policy/i>, header              → the limit per distinct value (no value: a wildcard)
 *   rule=<ns/policy/i>, remote_address      → the limit per client address
 *
 * A request whose descriptor is not in the file (another header value) is not limited by it. The
 * service counts in fixed windows aligned on the clock (unit second … day), in Redis, so every Envoy
 * replica of the Gateway shares the counters.
 *
 * The service reads every file under `<RUNTIME_ROOT>/<RUNTIME_SUBDIRECTORY>/config/` and reloads when
 * one changes; `portico serve --rate-limit-config-dir` writes these there (@portico/server).
 */
import { listenerHTTPRoutes, type GatewayIR, type GlobalRateLimitRuleIR } from '@portico/ir';
import { HEADER_DESCRIPTOR_KEY, REMOTE_ADDRESS_DESCRIPTOR_KEY, RULE_DESCRIPTOR_KEY } from './routes/rate-limit-global-per-route.js';

export interface RateLimitServiceConfigFile {
  /** A file name unique per Gateway: `<namespace>.<name>.yaml` (a namespace has no dot). */
  fileName: string;
  domain: string;
  /** The YAML the service loads. */
  yaml: string;
}

/** The configuration files for these Gateways, sorted by file name; Gateways without global limits have none. */
export function rateLimitServiceConfig(gateways: Iterable<GatewayIR>): RateLimitServiceConfigFile[] {
  const files: RateLimitServiceConfigFile[] = [];
  for (const gateway of gateways) {
    const service = gateway.rateLimitService;
    if (!service) continue;
    const rules = new Map<string, GlobalRateLimitRuleIR>();
    for (const route of gateway.listeners.flatMap(listenerHTTPRoutes)) for (const rule of route.rateLimit?.global ?? []) rules.set(rule.descriptor, rule);
    const sorted = [...rules.values()].sort((a, b) => (a.descriptor < b.descriptor ? -1 : a.descriptor > b.descriptor ? 1 : 0));
    const lines = [`domain: ${JSON.stringify(service.domain)}`, 'descriptors:', ...sorted.flatMap(descriptorLines)];
    files.push({ fileName: `${gateway.name.replace('/', '.')}.yaml`, domain: service.domain, yaml: `${lines.join('\n')}\n` });
  }
  return files.sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
}

function descriptorLines(rule: GlobalRateLimitRuleIR): string[] {
  const limit = `rate_limit: { unit: ${rule.unit}, requests_per_unit: ${rule.requests} }`;
  const head = [`  - key: ${RULE_DESCRIPTOR_KEY}`, `    value: ${JSON.stringify(rule.descriptor)}`];
  if (rule.sourceIP) return [...head, '    descriptors:', `      - key: ${REMOTE_ADDRESS_DESCRIPTOR_KEY}`, `        ${limit}`];
  if (rule.header) {
    const value = rule.header.value === undefined ? [] : [`        value: ${JSON.stringify(rule.header.value)}`];
    return [...head, '    descriptors:', `      - key: ${HEADER_DESCRIPTOR_KEY}`, ...value, `        ${limit}`];
  }
  return [...head, `    ${limit}`];
}
