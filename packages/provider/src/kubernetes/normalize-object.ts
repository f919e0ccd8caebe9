/**
 * An object as the API server sends it → the object the translator reads, the same as the YAML loader
 * (packages/resources/src/loading/parse-resources.ts) makes of the file `kubectl get -o yaml` prints. The API
 * server has already applied the CRD defaults and the conversions the loader imitates, and raw JSON
 * (kube-api-client.ts) keeps timestamps as RFC 3339 strings and IntOrString values as sent, so what is
 * left is to name the object and to drop what no one reads:
 * - list items of built-in kinds come without `apiVersion`/`kind`;
 * - `metadata.managedFields` and kubectl's last-applied annotation double an object's size, and in a
 *   Secret or ConfigMap the annotation holds every value in clear;
 * - of a Secret only the keys a certificate or CA is read from are kept (`tls.crt`, `tls.key`,
 *   `ca.crt`), those a SecurityPolicy reads by name (`.htpasswd`, `jwks.json`) and ingress-nginx's
 *   htpasswd key `auth` (an Ingress's auth-secret), of a ConfigMap
 *   only `ca.crt` and `jwks.json`: every Secret of the cluster is watched, and the others (service
 *   account tokens, Helm releases, credentials) must never sit in our memory or logs. A Secret of type
 *   `gateway.portico.dev/api-keys` (SecurityPolicy apiKeyAuth: every key a client id) is kept whole.
 *
 * The object is changed in place: it is the one the informer's cache holds, so the cache and the
 * ResourceSet share a single copy.
 */
import { API_KEYS_SECRET_TYPE, HTPASSWD_KEY, JWKS_KEY, type Resource } from '@portico/resources';
import type { WatchTarget } from './watch-targets.js';

/** ingress-nginx's data key of an htpasswd Secret (an Ingress's `auth-secret`, auth-secret-type auth-file). */
export const INGRESS_NGINX_AUTH_KEY = 'auth';

/**
 * The Secret keys a TLS certificate (`tls.crt`, `tls.key`), a CA bundle (`ca.crt`), a SecurityPolicy
 * htpasswd file (`.htpasswd`) or JWKS (`jwks.json`), or an Ingress's ingress-nginx htpasswd (`auth`) is read from.
 */
export const SECRET_KEYS: readonly string[] = ['tls.crt', 'tls.key', 'ca.crt', HTPASSWD_KEY, JWKS_KEY, INGRESS_NGINX_AUTH_KEY];
/** The ConfigMap keys a BackendTLSPolicy CA bundle or a SecurityPolicy JWKS is read from. */
export const CONFIG_MAP_KEYS: readonly string[] = ['ca.crt', JWKS_KEY];

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Normalises `raw` (in place) as an object of `target` read at `apiVersion`, and returns it. */
export function normalizeObject(raw: JsonObject, target: Pick<WatchTarget, 'kind'>, apiVersion: string): Resource {
  if (typeof raw.apiVersion !== 'string' || raw.apiVersion === '') raw.apiVersion = apiVersion;
  if (typeof raw.kind !== 'string' || raw.kind === '') raw.kind = target.kind;
  const metadata = isObject(raw.metadata) ? raw.metadata : (raw.metadata = {});
  delete metadata.managedFields;
  if (isObject(metadata.annotations)) {
    delete metadata.annotations[LAST_APPLIED];
    if (Object.keys(metadata.annotations).length === 0) delete metadata.annotations;
  }
  if (target.kind === 'Secret') {
    if (raw.type !== API_KEYS_SECRET_TYPE) keepKeys(raw, 'data', SECRET_KEYS);
    delete raw.stringData;
  } else if (target.kind === 'ConfigMap') {
    keepKeys(raw, 'data', CONFIG_MAP_KEYS);
    delete raw.binaryData;
  }
  return raw as unknown as Resource;
}

/** Deletes every key of `object[field]` not in `keys`. */
function keepKeys(object: JsonObject, field: string, keys: readonly string[]): void {
  const data = object[field];
  if (!isObject(data)) return;
  for (const key of Object.keys(data)) if (!keys.includes(key)) delete data[key];
}
