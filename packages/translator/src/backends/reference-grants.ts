/**
 * ReferenceGrant checks (GEP-709): a reference from one namespace to an object in another is allowed
 * only when a ReferenceGrant in the target namespace names the source's group/kind/namespace and the
 * target's group/kind (and name, if it gives one). Deleting the grant revokes the access.
 */
import type { ResourceSet } from '@portico/resources';

export interface ReferenceFrom {
  group: string;
  kind: string;
  namespace: string;
}

export interface ReferenceTo {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

export function isReferenceAllowed(resources: ResourceSet, from: ReferenceFrom, to: ReferenceTo): boolean {
  if (from.namespace === to.namespace) return true;
  for (const grant of resources.listIn('ReferenceGrant', to.namespace)) {
    // A grant whose lists are missing or malformed grants nothing; it must not fail the reference.
    if (!Array.isArray(grant.spec?.from) || !Array.isArray(grant.spec.to)) continue;
    const fromOk = grant.spec.from.some(
      (f) => f.group === from.group && f.kind === from.kind && f.namespace === from.namespace,
    );
    if (!fromOk) continue;
    const toOk = grant.spec.to.some(
      (t) => (t.group ?? '') === to.group && t.kind === to.kind && (!t.name || t.name === to.name),
    );
    if (toOk) return true;
  }
  return false;
}
