/**
 * networking/v1 Ingress → one synthetic gateway per IngressClass of ours (`ingressclass/<class>`),
 * plus `status.loadBalancer` on each of our Ingresses. Ingresses of other controllers get neither.
 *
 * Ingress has no conditions: what cannot be configured as asked (a missing Service, an unusable TLS
 * Secret) shows in the answers (503/500, no certificate) as documented in ingress-backends.ts and
 * ingress-tls.ts, and is reported as a diagnostic (printed by the CLI, an Event in Kubernetes).
 * ingress-nginx annotations are read in annotations/ (registry.ts): each one is applied as ingress-nginx
 * documents it or reported, never ignored.
 */
import type { GatewayIR } from '@portico/ir';
import type { TranslationContext } from '../context.js';
import { collectIngressClasses } from './ingress-classes.js';
import { buildIngressGateway, ingressGatewayName } from './ingress-gateway.js';
import { containObject } from '../containment.js';
import { writeIngressStatuses } from './ingress-status.js';

export function translateIngresses(ctx: TranslationContext): GatewayIR[] {
  const irs: GatewayIR[] = [];
  for (const group of collectIngressClasses(ctx)) {
    const name = ingressGatewayName(group.className);
    // Each Ingress is contained on its own (ingress-gateway.ts); what is left to fail here is the
    // class as a whole, whose gateway then keeps its last good config (the failure names it).
    const built = containObject(ctx, { kind: 'IngressClass', metadata: { name: group.className } }, () => buildIngressGateway(ctx, group), (failure) => {
      failure.gateway = name;
      return undefined;
    });
    if (!built) continue;
    ctx.diagnostics.push(...built.problems);
    writeIngressStatuses(ctx, built.ir.name, built.ingresses);
    // A refused Ingress is served nowhere: no load-balancer address in its status.
    writeIngressStatuses(ctx, undefined, built.refused);
    irs.push(built.ir);
  }
  return irs;
}
