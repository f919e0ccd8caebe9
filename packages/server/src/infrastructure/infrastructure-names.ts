/**
 * Names, labels and annotations of the objects Portico creates for a Gateway. They must be valid for
 * every kind at once (a Service name is a DNS-1035 label: 63 characters, no dots), unique per Gateway
 * even after trimming, and stable, because the manager finds its objects again by them.
 */
import { createHash } from 'node:crypto';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'portico';
/** The label Gateway API suggests for a Gateway's generated resources (GEP-1762). */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
export const GATEWAY_NAMESPACE_LABEL = 'portico.dev/gateway-namespace';
/** `namespace/name` of the Gateway, in full (labels are cut at 63 characters). */
export const GATEWAY_ANNOTATION = 'portico.dev/gateway';
/** A hash of the ConfigMap's content on the pod template: a new bootstrap rolls the pods. */
export const BOOTSTRAP_CHECKSUM_ANNOTATION = 'portico.dev/bootstrap-checksum';
/** A hash of the Gateway's xDS client certificate on the pod template: a renewed one rolls the pods (Envoy reads it at start). */
export const CLIENT_CERTIFICATE_CHECKSUM_ANNOTATION = 'portico.dev/xds-client-certificate-checksum';
/** Label selector of everything the manager owns. */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

const MAX_NAME = 63;
const HASH_LENGTH = 8;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * `envoy-<namespace>-<name>-<hash>`: readable, and the hash of `namespace/name` keeps `a-b/c` and
 * `a/b-c` apart, and two long names that share their first 50 characters.
 */
export function envoyResourceName(gatewayNamespace: string, gatewayName: string): string {
  const hash = sha256Hex(`${gatewayNamespace}/${gatewayName}`).slice(0, HASH_LENGTH);
  const readable = `envoy-${gatewayNamespace}-${gatewayName}`.replace(/[^a-z0-9-]/g, '-');
  const trimmed = readable.slice(0, MAX_NAME - HASH_LENGTH - 1).replace(/-+$/, '');
  return `${trimmed}-${hash}`;
}

/** A label value: at most 63 characters, starting and ending with an alphanumeric. */
export function labelValue(value: string): string {
  return value.slice(0, MAX_NAME).replace(/[^a-zA-Z0-9]+$/, '');
}

/**
 * The Deployment's selector. It never changes for a Gateway (a Deployment's selector is immutable),
 * and `instance` is the unique name, so two Gateways whose names share a 63-character prefix never
 * select each other's pods.
 */
export function selectorLabels(resourceName: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'envoy',
    'app.kubernetes.io/instance': resourceName,
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
  };
}

/** Every object's labels: the Gateway's `spec.infrastructure.labels`, then ours (ours win). */
export function objectLabels(
  resourceName: string,
  gateway: { namespace: string; name: string },
  infrastructureLabels: Record<string, string> = {},
): Record<string, string> {
  return sortedRecord({
    ...infrastructureLabels,
    ...selectorLabels(resourceName),
    'app.kubernetes.io/component': 'proxy',
    [GATEWAY_NAME_LABEL]: labelValue(gateway.name),
    [GATEWAY_NAMESPACE_LABEL]: gateway.namespace,
  });
}

/** Keys in order, so that equal content always serializes (and hashes) the same way. */
export function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
