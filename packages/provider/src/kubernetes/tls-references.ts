/**
 * Which Secrets and ConfigMaps the translator may read, and which of their keys: the provider watches
 * all of them but serves only these (normalize-object.ts already dropped every other key at the door).
 *
 * - a Gateway or ListenerSet listener `tls.certificateRefs` entry, or the Gateway's
 *   `spec.tls.backend.clientCertificateRef` (core Secret) → `tls.crt`, `tls.key`
 *   (translator/src/gateways/certificates.ts, backends/backend-client-certificate.ts);
 * - a Gateway `spec.tls.frontend` (default or perPort) `caCertificateRefs` entry (core ConfigMap or
 *   Secret, the Gateway's namespace unless it names one) → `ca.crt`
 *   (translator/src/gateways/frontend-validation.ts);
 * - an Ingress `spec.tls[].secretName` (a Secret of the Ingress's namespace) → `tls.crt`, `tls.key`
 *   (translator/src/ingress/ingress-tls.ts); its ingress-nginx `auth-secret` (with `auth-type: basic`,
 *   a Secret of its namespace) → `auth` (translator/src/ingress/ingress-security.ts). An `auth-map`
 *   Secret (one key per user) is not served: its keys were dropped at the door, and the Ingress fails
 *   closed (500, "holds no user") rather than keep every key of every Secret;
 *   its ingress-nginx `custom-headers` ConfigMap of its namespace → every key (ALL_KEYS: each a header;
 *   translator/src/ingress/ingress-custom-headers.ts);
 * - a BackendTLSPolicy `validation.caCertificateRefs` entry (core ConfigMap or Secret of the policy's
 *   namespace) → `ca.crt` (translator/src/backends/backend-tls.ts);
 * - a SecurityPolicy (translator/src/policies/security-policy-features.ts), objects of its namespace:
 *   `basicAuth.users` Secret → `.htpasswd`; a `localJWKS.valueRef` Secret or ConfigMap → `jwks.json`;
 *   an `apiKeyAuth.credentialRefs` Secret → every key (ALL_KEYS: each is a client id).
 *
 * ReferenceGrants are not consulted: whether a cross-namespace reference is allowed is the translator's
 * decision (and a status condition), and a grant that appears later must take effect without a relist.
 */
import { INGRESS_NGINX_AUTH_KEY } from './normalize-object.js';
import { HTPASSWD_KEY, JWKS_KEY, type BackendTLSPolicy, type ConfigMap, type Gateway, type Ingress, type ListenerSet, type Secret, type SecurityPolicy } from '@portico/resources';

/** Per `namespace/name`: the data keys to serve. */
export type ReferencedKeys = Map<string, Set<string>>;

export interface TlsReferences {
  secrets: ReferencedKeys;
  configMaps: ReferencedKeys;
}

const CERTIFICATE_KEYS = ['tls.crt', 'tls.key'];
const CA_KEYS = ['ca.crt'];
/** Stands for every key of the object (`*` is never a valid data key). */
export const ALL_KEYS = '*';

export function collectTlsReferences(
  /** Gateways and ListenerSets: both declare listeners. */
  gateways: Iterable<Gateway | ListenerSet>,
  ingresses: Iterable<Ingress>,
  policies: Iterable<BackendTLSPolicy>,
  securityPolicies: Iterable<SecurityPolicy> = [],
): TlsReferences {
  const secrets: ReferencedKeys = new Map();
  const configMaps: ReferencedKeys = new Map();
  for (const gateway of gateways) {
    const namespace = gateway.metadata.namespace ?? 'default';
    const certificateRefs = (gateway.spec?.listeners ?? []).flatMap((l) => l.tls?.certificateRefs ?? []);
    // spec.tls (backend client certificate, frontend validation) is a Gateway's only.
    const tls = gateway.kind === 'Gateway' ? (gateway as Gateway).spec?.tls : undefined;
    const backendCertificate = tls?.backend?.clientCertificateRef;
    for (const ref of backendCertificate ? [...certificateRefs, backendCertificate] : certificateRefs) {
      if ((ref.group ?? '') === '' && (ref.kind ?? 'Secret') === 'Secret' && ref.name) {
        add(secrets, ref.namespace ?? namespace, ref.name, CERTIFICATE_KEYS);
      }
    }
    const frontend = tls?.frontend;
    const validations = [frontend?.default?.validation, ...(frontend?.perPort ?? []).map((p) => p.tls?.validation)];
    for (const ref of validations.flatMap((v) => v?.caCertificateRefs ?? [])) {
      if ((ref.group ?? '') !== '' || !ref.name) continue;
      if (ref.kind === 'Secret') add(secrets, ref.namespace ?? namespace, ref.name, CA_KEYS);
      else if (ref.kind === 'ConfigMap') add(configMaps, ref.namespace ?? namespace, ref.name, CA_KEYS);
    }
  }
  for (const ingress of ingresses) {
    const namespace = ingress.metadata.namespace ?? 'default';
    for (const tls of ingress.spec?.tls ?? []) if (tls.secretName) add(secrets, namespace, tls.secretName, CERTIFICATE_KEYS);
    const authSecret = basicAuthSecret(ingress);
    if (authSecret) add(secrets, namespace, authSecret, [INGRESS_NGINX_AUTH_KEY]);
    const customHeaders = customHeadersConfigMap(ingress);
    if (customHeaders) add(configMaps, namespace, customHeaders, [ALL_KEYS]);
  }
  for (const policy of policies) {
    const namespace = policy.metadata.namespace ?? 'default';
    for (const ref of policy.spec?.validation?.caCertificateRefs ?? []) {
      if ((ref.group ?? '') !== '' || !ref.name) continue;
      if (ref.kind === 'Secret') add(secrets, namespace, ref.name, CA_KEYS);
      else if (ref.kind === 'ConfigMap') add(configMaps, namespace, ref.name, CA_KEYS);
    }
  }
  for (const policy of securityPolicies) {
    const namespace = policy.metadata.namespace ?? 'default';
    const spec = policy.spec ?? {};
    if (spec.basicAuth?.users?.name) add(secrets, namespace, spec.basicAuth.users.name, [HTPASSWD_KEY]);
    for (const ref of spec.apiKeyAuth?.credentialRefs ?? []) if (ref.name) add(secrets, namespace, ref.name, [ALL_KEYS]);
    for (const provider of spec.jwt?.providers ?? []) {
      const ref = provider.localJWKS?.valueRef;
      if (!ref?.name) continue;
      if (ref.kind === 'Secret') add(secrets, namespace, ref.name, [JWKS_KEY]);
      else if (ref.kind === 'ConfigMap') add(configMaps, namespace, ref.name, [JWKS_KEY]);
    }
  }
  return { secrets, configMaps };
}

/** The Secret name of an Ingress's basic auth (`auth-type: basic` + `auth-secret`, either prefix, Portico's winning). */
function basicAuthSecret(ingress: Ingress): string | undefined {
  const annotations = ingress.metadata.annotations ?? {};
  const read = (name: string) => annotations[`portico.dev/${name}`] ?? annotations[`nginx.ingress.kubernetes.io/${name}`];
  const secret = read('auth-secret');
  return read('auth-type') === 'basic' && secret && !secret.includes('/') ? secret : undefined;
}

/**
 * The ConfigMap of an Ingress's ingress-nginx `custom-headers` (either prefix, Portico's winning), when
 * it is of the Ingress's namespace (the only one the translator reads): every key, each a header.
 */
function customHeadersConfigMap(ingress: Ingress): string | undefined {
  const annotations = ingress.metadata.annotations ?? {};
  const value = annotations['portico.dev/custom-headers'] ?? annotations['nginx.ingress.kubernetes.io/custom-headers'];
  if (!value) return undefined;
  const parts = value.trim().split('/');
  if (parts.length === 1) return parts[0] || undefined;
  return parts.length === 2 && parts[0] === (ingress.metadata.namespace ?? 'default') && parts[1] ? parts[1] : undefined;
}

function add(into: ReferencedKeys, namespace: string, name: string, keys: readonly string[]): void {
  const key = `${namespace}/${name}`;
  let set = into.get(key);
  if (!set) into.set(key, (set = new Set()));
  for (const k of keys) set.add(k);
}

/**
 * `object` with only the `data` keys in `keys` (a new object; `object` is the informer's and stays
 * whole). The result does not depend on the order of `keys`.
 */
export function withOnlyKeys<T extends Secret | ConfigMap>(object: T, keys: ReadonlySet<string>): T {
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(object.data ?? {})) if (keys.has(key) || keys.has(ALL_KEYS)) data[key] = value;
  return { ...object, data };
}

/** A stable name of a key set, to tell whether a memoised filtered copy still fits. */
export function keySetName(keys: ReadonlySet<string>): string {
  return [...keys].sort().join(',');
}
