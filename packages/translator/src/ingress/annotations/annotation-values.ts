/**
 * The annotations of one Ingress that speak ingress-nginx's language: `nginx.ingress.kubernetes.io/<name>`
 * and Portico's own `portico.dev/<name>` with the same meaning. When both are set, Portico's wins: it is
 * the one written for this controller, the nginx one is kept only so that the Ingress still works
 * unchanged under ingress-nginx during a migration.
 */
import type { Ingress } from '@portico/resources';

export const NGINX_PREFIX = 'nginx.ingress.kubernetes.io/';
export const PORTICO_PREFIX = 'portico.dev/';

export interface AnnotationValue {
  /** The full annotation key the value came from, for messages. */
  key: string;
  value: string;
}

export interface AnnotationValues {
  get(name: string): AnnotationValue | undefined;
  /** Every annotation name (without prefix) the Ingress sets, once each. */
  names(): string[];
}

export function annotationValues(ingress: Ingress): AnnotationValues {
  const byName = new Map<string, AnnotationValue>();
  const annotations = ingress.metadata.annotations ?? {};
  for (const prefix of [NGINX_PREFIX, PORTICO_PREFIX]) {
    for (const [key, value] of Object.entries(annotations)) {
      if (!key.startsWith(prefix) || typeof value !== 'string') continue;
      // Portico's prefix comes second and overwrites.
      byName.set(key.slice(prefix.length), { key, value });
    }
  }
  return {
    get: (name) => byName.get(name),
    names: () => [...byName.keys()].sort(),
  };
}

/**
 * ingress-nginx reads booleans with Go's strconv.ParseBool (parser.GetBoolAnnotation): 1, t, T, TRUE,
 * true, True and their false counterparts; anything else is an error.
 */
export function parseBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}
