/**
 * AccessLogPolicy `status.ancestors[]` (GEP-713): one entry per targeted Gateway of ours (also for a
 * policy naming one of its listeners), with the policy's verdict on that Gateway. A target Gateway that
 * does not exist or is not ours gets no entry: its controller, not us, would write it.
 */
import type { TranslationContext } from '../context.js';
import type { GatewayState } from '../gateways/gateways.js';
import { setPolicyAncestorStatus } from '../status/policy-status.js';
import { accessLogPolicies, gatewayAccessLogs } from './access-log-policy.js';

export function writeAccessLogPolicyStatuses(ctx: TranslationContext, gateways: readonly GatewayState[]): void {
  const byKey = new Map(gateways.map((g) => [g.key, g]));
  for (const { policy, key, gateways: targets } of accessLogPolicies(ctx)) {
    const ours = targets.filter((g) => byKey.has(g));
    setPolicyAncestorStatus(ctx, 'AccessLogPolicy', policy, ours, (gateway) => gatewayAccessLogs(ctx, byKey.get(gateway)!).conditions.get(key) ?? []);
  }
}
