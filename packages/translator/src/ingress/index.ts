/**
 * networking/v1 Ingress → one synthetic gateway per IngressClass of ours (`ingressclass/<class>`),
 * plus `status.loadBalancer` on each of our Ingresses. Ingresses of other controllers get neither.
 *
 * Ingress has no conditions: what cannot be configured as asked (a missing Service, an unusable TLS
 * Secret) shows in the answers (503/500, no certificate) as documented in ingress-backends.ts and
 * ingress-tls.ts; the translator has no diagnostics list to report it through yet.
 */
import type { GatewayIR } from '@portico/ir';
import type { TranslationContext } from '../context.js';
import { collectIngressClasses } from './ingress-classes.js';
import { buildIngressGateway } from './ingress-gateway.js';
import { writeIngressStatuses } from './ingress-status.js';

export function translateIngresses(ctx: TranslationContext): GatewayIR[] {
  return collectIngressClasses(ctx).map((group) => {
    const { ir } = buildIngressGateway(ctx, group);
    writeIngressStatuses(ctx, ir.name, group.ingresses);
    return ir;
  });
}
