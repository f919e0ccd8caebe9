/**
 * An Ingress's source ranges, basic auth and auth-url (ingress/ingress-security.ts, ingress-external-auth.ts) as a Portico SecurityPolicy
 * targeting the HTTPRoutes converted from it — the same SecurityIR, hence the same Envoy RBAC and
 * basic_auth filters. ingress-nginx keeps the htpasswd under key `auth` (or one key per user); a
 * SecurityPolicy reads key `.htpasswd`, so a Secret `<secret>-htpasswd` holding the same entries is
 * generated next to the original (which passes through unchanged).
 */
import type { KubeObject, Secret, SecurityPolicy } from '@portico/resources';
import { HTPASSWD_KEY, PORTICO_GROUP } from '@portico/resources';
import type { AuthURLAnnotation } from '../ingress/annotations/security/auth-url.js';
import { externalAuthServiceName } from '../ingress/ingress-external-auth.js';
import type { ClassIngress } from './class-plan.js';

const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** The SecurityPolicy (and htpasswd Secret) of `owner`, targeting `routeNames` (HTTPRoutes of its namespace); [] when it has none. */
export function convertedSecurity(owner: ClassIngress, routeNames: readonly string[]): KubeObject[] {
  const { security, authURL, externalAuth } = owner.annotations;
  if ((!security && !externalAuth) || routeNames.length === 0) return [];
  const out: KubeObject[] = [];
  const spec: SecurityPolicy['spec'] = { targetRefs: [...routeNames].sort().map((name) => ({ group: GATEWAY_API_GROUP, kind: 'HTTPRoute', name })) };
  if (security?.ipAccess) spec.ipAccess = { ...security.ipAccess };
  if (authURL && externalAuth) out.push(...convertedAuthURL(owner, authURL, spec));
  if (security?.basicAuth) {
    const secretName = `${security.basicAuth.secret.slice(security.basicAuth.secret.indexOf('/') + 1)}-htpasswd`;
    spec.basicAuth = { users: { name: secretName } };
    out.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: secretName, namespace: owner.namespace },
      type: 'Opaque',
      data: { [HTPASSWD_KEY]: Buffer.from(`${security.basicAuth.htpasswd}\n`, 'utf8').toString('base64') },
    } as Secret);
  }
  out.push({
    apiVersion: `${PORTICO_GROUP}/v1alpha1`,
    kind: 'SecurityPolicy',
    metadata: { name: `${owner.ingress.metadata.name}-ingress-nginx`, namespace: owner.namespace },
    spec,
  } as SecurityPolicy);
  return out;
}

/**
 * auth-url as the policy's extAuth: the same check (a fixed path, every request header, only the
 * auth-response-headers copied back), hence the same ExternalAuthIR and Envoy filter. A Service of
 * another namespace needs a ReferenceGrant for SecurityPolicies there, as the Ingress needed one for Ingresses.
 */
function convertedAuthURL(owner: ClassIngress, authURL: AuthURLAnnotation, spec: SecurityPolicy['spec']): KubeObject[] {
  // A host outside the cluster: an ExternalName Service for it, named as the Ingress translation names its backend.
  const external: KubeObject[] = authURL.external === undefined ? [] : [{
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: externalAuthServiceName(owner.ingress.metadata.name), namespace: owner.namespace },
    spec: { type: 'ExternalName', externalName: authURL.external, ports: [{ name: 'http', port: authURL.port, protocol: 'TCP' }] },
  } as KubeObject];
  const service = authURL.service ?? { name: externalAuthServiceName(owner.ingress.metadata.name) };
  const serviceNamespace = service.namespace ?? owner.namespace;
  spec.extAuth = {
    http: {
      backendRef: { name: service.name, ...(serviceNamespace !== owner.namespace ? { namespace: serviceNamespace } : {}), port: authURL.port },
      pathOverride: authURL.path,
      allRequestHeaders: true,
      headersToBackend: [...authURL.responseHeaders],
      headersToClient: ['set-cookie'],
    },
  };
  if (serviceNamespace === owner.namespace) return external;
  return [{
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: { name: `securitypolicies-from-${owner.namespace}-to-${service.name}`, namespace: serviceNamespace },
    spec: { from: [{ group: PORTICO_GROUP, kind: 'SecurityPolicy', namespace: owner.namespace }], to: [{ group: '', kind: 'Service', name: service.name }] },
  } as KubeObject];
}
