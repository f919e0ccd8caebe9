/**
 * The Secret that holds one Gateway's xDS client certificate (`tls.crt`, `tls.key`, `ca.crt`, as
 * certgen's Secrets), named and labelled like the Gateway's other objects, so the manager finds,
 * compares and deletes it with them. Its content is issued by the manager (identity-certificates.ts);
 * this file only shapes it and reads it back.
 */
import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import type { LeafMaterial } from '../certgen/renewal-plan.js';
import type { InfrastructureContext } from './infrastructure-context.js';

const TLS_TYPE = 'kubernetes.io/tls';

export function envoyClientSecret(context: InfrastructureContext, material: LeafMaterial): V1Secret {
  const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: context.metadata,
    type: TLS_TYPE,
    // Keys in a fixed order: the manager hashes the manifest to know whether it changed.
    data: { 'ca.crt': base64(material.ca), 'tls.crt': base64(material.cert), 'tls.key': base64(material.key) },
  };
}

/** What a stored Secret holds, for the manager to keep it or renew it; undefined for anything else. */
export function clientMaterialOf(object: KubernetesObject | undefined): Partial<LeafMaterial> | undefined {
  const secret = object as V1Secret | undefined;
  if (secret?.kind !== 'Secret' || secret.type !== TLS_TYPE || !secret.data) return undefined;
  const text = (key: string) => (secret.data![key] === undefined ? undefined : Buffer.from(secret.data![key]!, 'base64').toString('utf8'));
  return { cert: text('tls.crt'), key: text('tls.key'), ca: text('ca.crt') };
}
