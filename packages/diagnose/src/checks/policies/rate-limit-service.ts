/**
 * The rate-limit service behind RateLimitPolicy `global` rules: a policy with global rules while
 * Portico runs without a rate-limit service (no `--rate-limit-service`, chart rateLimit.enabled off)
 * is Invalid and limits nothing, its local rules included — a FAIL that says how to configure the
 * service. With one, an OK per Gateway naming where its Envoys ask and what happens when it is down.
 */
import { RATE_LIMIT_SERVICE_MISSING, statusKey } from '@portico/translator';
import type { Check, Finding } from '../../findings.js';

export const checkRateLimitService: Check = (input) => {
  const findings: Finding[] = [];
  for (const policy of input.resources.list('RateLimitPolicy')) {
    if (policy.spec.global === undefined) continue;
    const namespace = policy.metadata.namespace ?? 'default';
    const status = input.translation.statuses.get(statusKey('RateLimitPolicy', namespace, policy.metadata.name));
    const ancestors = status?.kind === 'RateLimitPolicy' ? status.status.ancestors : [];
    const missing = ancestors.filter((a) => a.conditions.some((c) => c.type === 'Accepted' && c.status === 'False' && c.message.startsWith(RATE_LIMIT_SERVICE_MISSING)));
    for (const ancestor of missing) {
      findings.push({
        link: 'RateLimitPolicy',
        gateway: `${ancestor.ancestorRef.namespace ?? namespace}/${ancestor.ancestorRef.name}`,
        object: { kind: 'RateLimitPolicy', namespace, name: policy.metadata.name },
        level: 'FAIL',
        code: 'RateLimitServiceMissing',
        field: 'spec.global',
        message: 'has global rules, but Portico runs without a rate-limit service: the policy limits nothing, its local rules included',
        fix: 'run portico serve with --rate-limit-service HOST:PORT --rate-limit-config-dir DIR next to envoyproxy/ratelimit and Redis (chart: --set rateLimit.enabled=true), or move the rules to spec.local',
      });
    }
  }
  for (const gateway of input.translation.gateways.values()) {
    const service = gateway.rateLimitService;
    if (!service) continue;
    findings.push({
      link: 'RateLimitPolicy',
      gateway: gateway.name,
      object: { kind: 'Gateway', namespace: gateway.name.split('/')[0]!, name: gateway.name.split('/')[1]! },
      level: 'OK',
      code: 'RateLimitServiceConfigured',
      message: `global rate limits are asked of ${service.host}:${service.port} (domain ${service.domain}, ${service.timeoutMs} ms); when it cannot answer, requests ${service.failOpen ? 'pass (fail open)' : 'get 500 (fail closed)'}`,
    });
  }
  return findings;
};
