/**
 * Ingress status (networking/v1 IngressStatus): `loadBalancer.ingress` lists where the Ingress is
 * served, i.e. the addresses of its class's synthetic gateway, each as an `ip` or a `hostname`
 * according to its form (IngressLoadBalancerIngress: "ip is set for load-balancer ingress points that
 * are IP based ... hostname ... that are DNS based"). When the addresses are not managed (offline, file
 * provider) or not assigned yet, the list is left out: `{ loadBalancer: {} }`, as Kubernetes shows an
 * Ingress that no load balancer serves yet.
 */
import { isIP } from 'node:net';
import type { Ingress } from '@portico/resources';
import { setStatus, type TranslationContext } from '../context.js';
import type { IngressStatus } from '../result.js';

export function ingressStatus(addresses: readonly { value: string }[] | undefined): IngressStatus {
  const seen = new Set<string>();
  const ingress: { ip?: string; hostname?: string }[] = [];
  for (const { value } of addresses ?? []) {
    if (!value || seen.has(value)) continue;
    seen.add(value);
    ingress.push(isIP(value) ? { ip: value } : { hostname: value });
  }
  return { loadBalancer: ingress.length > 0 ? { ingress } : {} };
}

/**
 * Writes the same status on every Ingress of one class: they share its gateway's addresses. Without a
 * gateway (Ingresses refused as invalid), the status lists no address.
 */
export function writeIngressStatuses(ctx: TranslationContext, gatewayName: string | undefined, ingresses: readonly Ingress[]): void {
  const status = ingressStatus(gatewayName === undefined ? undefined : ctx.options.gatewayAddresses(gatewayName));
  for (const ingress of ingresses) {
    setStatus(ctx, { kind: 'Ingress', namespace: ingress.metadata.namespace ?? 'default', name: ingress.metadata.name, status: structuredClone(status) });
  }
}
