/**
 * networking/v1 Ingress → one synthetic gateway per IngressClass of ours (`ingressclass/<class>`),
 * plus `status.loadBalancer` on each of our Ingresses. Ingresses of other controllers get neither.
 *
 * Ingress has no conditions: what cannot be configured as asked (a missing Service, an unusable TLS
 * Secret) shows in the answers (503/500, no certificate) as documented in ingress-backends.ts and
 * ingress-tls.ts, and is reported as a diagnostic (printed by the CLI, an Event in Kubernetes).
 */
import type { GatewayIR } from '@portico/ir';
import type { TranslationContext } from '../context.js';
import { collectIngressClasses } from './ingress-classes.js';
import { buildIngressGateway } from './ingress-gateway.js';
import { writeIngressStatuses } from './ingress-status.js';

export function translateIngresses(ctx: TranslationContext): GatewayIR[] {
  return collectIngressClasses(ctx).map((group) => {
    const { ir, problems, refused } = buildIngressGateway(ctx, group);
    ctx.diagnostics.push(...problems);
    // A refused Ingress is served nowhere: no load-balancer address in its status.
    writeIngressStatuses(ctx, ir.name, group.ingresses.filter((i) => !refused.includes(i)));
    writeIngressStatuses(ctx, undefined, refused);
    return ir;
  });
}
