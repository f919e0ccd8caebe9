/**
 * The ExternalAuthIR of an Ingress's `auth-url` (annotations/security/auth-url.ts): the IR of the HTTPRoute
 * ExternalAuth filter and of a SecurityPolicy's extAuth, so the same Envoy ext_authz filter runs the
 * check. As ingress-nginx's auth_request subrequest: the check goes to the URL's path exactly (Envoy's
 * path_override, not the request's path), carries every client header but no body, copies only
 * the `auth-response-headers` of an allowing answer into the request, and its Set-Cookie into the
 * client's response. Its answers: 2xx lets the
 * request through; any other answer — 401 with its WWW-Authenticate, 403 — goes back to the client;
 * an unreachable service is a 403 (fail closed).
 *
 * The Service is resolved like an Ingress backend: the Ingress's namespace, or another one when a
 * ReferenceGrant there allows Ingresses of this namespace (ingress-nginx asks for none; Portico does
 * not let an Ingress send every request's headers to another team's Service unasked). A Service that
 * does not resolve fails the Ingress closed: its paths answer 500.
 */
import type { ExternalAuthIR } from '@portico/ir';
import { resolveBackendRef } from '../backends/backends.js';
import { checkExternalName } from '../backends/external-name-backends.js';
import type { TranslationContext } from '../context.js';
import type { AuthURLAnnotation } from './annotations/security/auth-url.js';

export type IngressExternalAuth = { externalAuth: ExternalAuthIR } | { failClosed: { status: number; reason: string }; problem: string };

const INGRESS_REFERRER = { group: 'networking.k8s.io', kind: 'Ingress' };

/** How the diagnostic of an auth-url whose Service does not resolve begins (diagnose reads it). */
export const AUTH_URL_UNUSABLE = 'auth-url cannot be used: ';

export function ingressExternalAuth(ctx: TranslationContext, namespace: string, name: string, authURL: AuthURLAnnotation): IngressExternalAuth {
  if (authURL.external !== undefined) return externalHostAuth(ctx, namespace, name, authURL, authURL.external);
  const service = authURL.service!;
  const ref = { name: service.name, ...(service.namespace ? { namespace: service.namespace } : {}), port: authURL.port };
  const resolution = resolveBackendRef(ctx, { ...INGRESS_REFERRER, namespace }, ref, 'HTTP');
  const why = !resolution.ok ? resolution.message : resolution.invalidTLS;
  if (why !== undefined || !resolution.ok) {
    return {
      failClosed: { status: 500, reason: `auth-url ${authURL.url} cannot be used` },
      problem: `${AUTH_URL_UNUSABLE}${authURL.url}: ${why}: every path of this Ingress answers 500 rather than be served unchecked`,
    };
  }
  return { externalAuth: authURLCheck(resolution.backend.name, authURL) };
}

/**
 * A host outside the cluster, resolved by Envoy (a DNS cluster, as for an ExternalName Service): the
 * same gate as ExternalName Services (refused unless Portico runs with --allow-external-name-services),
 * since either lets an object's author point the gateway at any host it reaches. The backend is named
 * like the ExternalName Service `portico convert` writes for it (`<ingress>-auth-url`).
 */
function externalHostAuth(ctx: TranslationContext, namespace: string, name: string, authURL: AuthURLAnnotation, host: string): IngressExternalAuth {
  const closed = (why: string): IngressExternalAuth => ({
    failClosed: { status: 500, reason: `auth-url ${authURL.url} cannot be used` },
    problem: `${AUTH_URL_UNUSABLE}${authURL.url}: ${why}: every path of this Ingress answers 500 rather than be served unchecked`,
  });
  if (ctx.options.externalNameServices === 'refuse') {
    return closed(`${host} is a host outside the cluster, which this gateway sends to only when started with --allow-external-name-services (chart value allowExternalNameServices), as for ExternalName Services`);
  }
  const check = checkExternalName(ctx.options.externalNameServices, `auth-url host ${host}`, host);
  if (!check.ok) return closed(check.message);
  const service = externalAuthServiceName(name);
  const backendName = `${namespace}/${service}/${authURL.port}/http`;
  let backend = ctx.backends.get(backendName);
  if (!backend) {
    backend = { name: backendName, service: { namespace, name: service, port: authURL.port }, protocol: 'HTTP', servicePort: { port: authURL.port, protocol: 'TCP' }, externalName: check.hostname };
    ctx.backends.set(backendName, backend);
  }
  ctx.usedBackends?.push(backend);
  return { externalAuth: authURLCheck(backendName, authURL) };
}

/** The ExternalName Service an external auth-url of Ingress `name` stands for (and `portico convert` writes). */
export function externalAuthServiceName(ingress: string): string {
  return `${ingress}-auth-url`;
}

/** The check of an auth-url sent to `backend` (a BackendIR name). */
export function authURLCheck(backend: string, authURL: AuthURLAnnotation): ExternalAuthIR {
  // nginx adds the auth answer's Set-Cookie to the client's response (`add_header Set-Cookie $auth_cookie`).
  return { protocol: 'HTTP', backend, pathOverride: authURL.path, allRequestHeaders: true, allowedResponseHeaders: [...authURL.responseHeaders], clientResponseHeaders: ['set-cookie'] };
}
