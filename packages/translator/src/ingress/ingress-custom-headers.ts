/**
 * The response headers of an Ingress's `custom-headers` ConfigMap (annotations/traffic/custom-headers.ts):
 * each key a header name, its value the header's, set on every response of the Ingress's proxied
 * paths (nginx more_set_headers replaces a header the backend sent). Only a ConfigMap of the
 * Ingress's own namespace is read: ingress-nginx reads any namespace, which would let one namespace's
 * Ingress publish another's ConfigMap contents; another namespace's is reported and nothing is set.
 * ingress-nginx also refuses names its controller ConfigMap's `global-allowed-response-headers` does
 * not list; Portico has no controller ConfigMap and allows every valid name. A key that is not a
 * header name, or a value with a line break, is reported and left out; so is a pseudo-header or Host.
 */
import type { HeaderModifierIR } from '@portico/ir';
import type { ConfigMap } from '@portico/resources';
import type { IngressAnnotations } from './annotations/ingress-annotations.js';

/** RFC 9110 token: what Envoy accepts as a header name. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
const UNSAFE_VALUE = /[\r\n\0]/;

/** How a ConfigMap is found: the translation's resources, or `portico convert`'s input objects. */
export type ConfigMapLookup = (namespace: string, name: string) => ConfigMap | undefined;

export interface IngressCustomHeaders {
  headers?: HeaderModifierIR;
  problems: string[];
}

export function ingressCustomHeaders(configMapOf: ConfigMapLookup, namespace: string, a: IngressAnnotations): IngressCustomHeaders {
  const ref = a.customHeaders;
  if (!ref) return { problems: [] };
  const where = `custom-headers ${ref.namespace ?? namespace}/${ref.name}`;
  if (ref.namespace !== undefined && ref.namespace !== namespace) {
    return { problems: [`${where}: only a ConfigMap of the Ingress's namespace (${namespace}) is read: no header is set`] };
  }
  const map = configMapOf(namespace, ref.name);
  if (!map) return { problems: [`${where}: no such ConfigMap: no header is set`] };
  const problems: string[] = [];
  const set: { name: string; value: string }[] = [];
  for (const [name, value] of Object.entries(map.data ?? {}).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    if (!HEADER_NAME.test(name) || name.toLowerCase() === 'host') problems.push(`${where}: key ${JSON.stringify(name)} is not a response header Portico can set: left out`);
    else if (UNSAFE_VALUE.test(value)) problems.push(`${where}: the value of ${name} has a line break: left out`);
    else set.push({ name, value });
  }
  return { ...(set.length > 0 ? { headers: { set } } : {}), problems };
}
