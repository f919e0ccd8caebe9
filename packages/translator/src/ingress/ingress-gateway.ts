/**
 * The synthetic gateway of one IngressClass (`ingressclass/<class>`): cleartext HTTP on port 80 with
 * every host, and, when any Ingress of the class asks for TLS, a TLS listener on port 443 that
 * terminates by SNI (ingress-tls.ts). These are the ports Ingress fixes (IngressSpec: "TLS ... on port
 * 443"; rules are served on 80), so the gateway has no listener configuration of its own.
 */
import type { Ingress } from '@portico/resources';
import type { Diagnostic } from '../result.js';
import type { GatewayIR, ListenerIR } from '@portico/ir';
import type { TranslationContext } from '../context.js';
import { referencedBackends } from '../gateway-ir.js';
import type { IngressClassGroup } from './ingress-classes.js';
import { buildIngressVirtualHosts } from './ingress-hosts.js';
import { translateIngressRules } from './ingress-routes.js';
import { buildTLSServers } from './ingress-tls.js';
import { ingressSpecProblem } from './ingress-validation.js';

const LISTEN_ADDRESS = '0.0.0.0';
const HTTP_PORT = 80;
const HTTPS_PORT = 443;

export interface IngressGateway {
  ir: GatewayIR;
  /** What could not be configured as the Ingresses ask (broken backends, unusable TLS Secrets). */
  problems: Diagnostic[];
  /** Ingresses the API server would have refused (ingress-validation.ts): not served at all. */
  refused: Ingress[];
}

export function ingressGatewayName(className: string): string {
  return `ingressclass/${className}`;
}

export function buildIngressGateway(ctx: TranslationContext, group: IngressClassGroup): IngressGateway {
  // An Ingress the API server would have refused takes no part: not its hosts, not its TLS.
  const problems: Diagnostic[] = [];
  const refused: Ingress[] = [];
  const ingresses = group.ingresses.filter((ingress) => {
    const problem = ingressSpecProblem(ingress);
    if (problem) {
      problems.push({ kind: 'Ingress', namespace: ingress.metadata.namespace ?? 'default', name: ingress.metadata.name, message: `refused, as the API server would: ${problem}` });
      refused.push(ingress);
    }
    return !problem;
  });
  const contributions = ingresses.map((ingress) => translateIngressRules(ctx, ingress));
  problems.push(...contributions.flatMap((c) => c.problems.map((message) => ({ kind: 'Ingress', namespace: c.namespace, name: c.ingress.metadata.name, message }))));
  const virtualHosts = buildIngressVirtualHosts(contributions);
  const listeners: ListenerIR[] = [{
    type: 'HTTP',
    name: `http-${HTTP_PORT}`,
    address: LISTEN_ADDRESS,
    port: HTTP_PORT,
    sources: contributions.map((c) => `ingress/${c.namespace}/${c.ingress.metadata.name}`).sort(),
    virtualHosts,
  }];
  const tls = buildTLSServers(ctx, ingresses, virtualHosts);
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
  return {
    ir: { name: ingressGatewayName(group.className), gatewayClass: group.className, listeners, backends: referencedBackends(ctx, listeners) },
    problems,
    refused,
  };
}
