/**
 * The synthetic gateway of one IngressClass (`ingressclass/<class>`): cleartext HTTP on port 80 with
 * every host, and, when any Ingress of the class asks for TLS, a TLS listener on port 443 that
 * terminates by SNI (ingress-tls.ts). These are the ports Ingress fixes (IngressSpec: "TLS ... on port
 * 443"; rules are served on 80), so the gateway has no listener configuration of its own. A class
 * without Ingresses keeps port 80 with no virtual hosts (Envoy answers 404), so its Envoys and their
 * address stay while the class exists.
 */
import type { Diagnostic } from '../result.js';
import type { GatewayIR, ListenerIR } from '@portico/ir';
import type { TranslationContext } from '../context.js';
import { referencedBackends } from '../gateway-ir/gateway-ir.js';
import type { IngressClassGroup } from './ingress-classes.js';
import { buildIngressVirtualHosts } from './ingress-hosts.js';
import { translateIngressRules, type IngressContribution } from './ingress-routes.js';
import { containObject } from '../containment.js';
import type { Ingress } from '@portico/resources';
import { buildTLSServers } from './ingress-tls.js';
import { ingressSpecProblem } from './ingress-validation.js';
import { httpsRedirectedVirtualHosts } from './annotations/routing/ssl-redirect-routes.js';
import { withServerAliases } from './annotations/routing/server-alias-hosts.js';

const LISTEN_ADDRESS = '0.0.0.0';
const HTTP_PORT = 80;
const HTTPS_PORT = 443;

export interface IngressGateway {
  ir: GatewayIR;
  /** The class's Ingresses that translated (containment.ts leaves out one that throws). */
  ingresses: Ingress[];
  /** What could not be configured as the Ingresses ask (broken backends, unusable TLS Secrets). */
  problems: Diagnostic[];
  /** Ingresses the API server would have refused (ingress-validation.ts): not served at all. */
  refused: Ingress[];
}

export function ingressGatewayName(className: string): string {
  return `ingressclass/${className}`;
}

export function buildIngressGateway(ctx: TranslationContext, group: IngressClassGroup): IngressGateway {
  const refusals: Diagnostic[] = [];
  const refused: Ingress[] = [];
  const contributions = usableContributions(ctx, group.ingresses, (ingress, problem) => {
    refusals.push({ kind: 'Ingress', namespace: ingress.metadata.namespace ?? 'default', name: ingress.metadata.name, message: `refused, as the API server would: ${problem}` });
    refused.push(ingress);
  });
  const first = buildListeners(ctx, contributions);
  // An Ingress whose TLS entries threw is left out entirely, its routes too: build once more without
  // it (only then), so nothing it half-claimed stays.
  const failed = new Set(first.failed);
  const kept = failed.size > 0 ? contributions.filter((c) => !failed.has(c.ingress)) : contributions;
  const { listeners, problems } = failed.size > 0 ? buildListeners(ctx, kept) : first;
  return {
    ingresses: kept.map((c) => c.ingress),
    ir: { name: ingressGatewayName(group.className), gatewayClass: group.className, listeners, backends: referencedBackends(ctx, listeners) },
    problems: [...refusals, ...problems],
    refused,
  };
}

function buildListeners(ctx: TranslationContext, contributions: readonly IngressContribution[]): { listeners: ListenerIR[]; problems: Diagnostic[]; failed: Ingress[] } {
  const problems: Diagnostic[] = contributions.flatMap((c) => c.problems.map((message) => ({ kind: 'Ingress', namespace: c.namespace, name: c.ingress.metadata.name, message })));
  const { virtualHosts, problems: canaryProblems } = buildIngressVirtualHosts(contributions);
  problems.push(...canaryProblems);
  // ingress-nginx ssl-redirect / force-ssl-redirect and server-alias concern port 80 only.
  const http = withServerAliases(httpsRedirectedVirtualHosts(virtualHosts, contributions), contributions);
  problems.push(...http.problems);
  const listeners: ListenerIR[] = [{
    type: 'HTTP',
    name: `http-${HTTP_PORT}`,
    address: LISTEN_ADDRESS,
    port: HTTP_PORT,
    sources: contributions.map((c) => `ingress/${c.namespace}/${c.ingress.metadata.name}`).sort(),
    virtualHosts: http.virtualHosts,
  }];
  const tls = buildTLSServers(ctx, contributions.map((c) => c.ingress), virtualHosts);
  problems.push(...tls.problems);
  // Envoy rejects a listener without filter chains: no usable certificate, no port 443.
  if (tls.servers.length > 0) {
    listeners.push({
      type: 'TLS',
      name: `tls-${HTTPS_PORT}`,
      address: LISTEN_ADDRESS,
      port: HTTPS_PORT,
      sources: tls.sources.map((key) => `ingress/${key}`),
      servers: tls.servers,
    });
  }
  return { listeners, problems, failed: tls.failed };
}

/**
 * Each Ingress's routes, for the Ingresses whose rules translate without an exception (containment.ts).
 * An Ingress the API server would have refused (ingress-validation.ts) takes no part: not its hosts,
 * not its TLS; `refuse` hears of it.
 */
function usableContributions(ctx: TranslationContext, ingresses: readonly Ingress[], refuse: (ingress: Ingress, problem: string) => void): IngressContribution[] {
  const out: IngressContribution[] = [];
  for (const ingress of ingresses) {
    const contribution = containObject(ctx, ingress, () => {
      const problem = ingressSpecProblem(ingress);
      if (problem) refuse(ingress, problem);
      return problem ? undefined : translateIngressRules(ctx, ingress);
    }, () => undefined);
    if (contribution) out.push(contribution);
  }
  return out;
}
