/**
 * Whether a ReferenceGrant allows a reference across namespaces (GEP-709), as the translator decides
 * it. Checks of later links skip references that are not allowed: the ReferenceGrant link reports
 * those, with the grant to apply, and what lies behind them is not used anyway.
 */
import type { ResourceSet } from '@portico/resources';

export interface GrantFrom {
  group: string;
  kind: string;
  namespace: string;
}

export interface GrantTo {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

export function isReferenceGranted(resources: ResourceSet, from: GrantFrom, to: GrantTo): boolean {
  if (from.namespace === to.namespace) return true;
  return resources.listIn('ReferenceGrant', to.namespace).some(
    (grant) =>
      Array.isArray(grant.spec?.from) &&
      Array.isArray(grant.spec.to) &&
      grant.spec.from.some((f) => f.group === from.group && f.kind === from.kind && f.namespace === from.namespace) &&
      grant.spec.to.some((t) => (t.group ?? '') === to.group && t.kind === to.kind && (!t.name || t.name === to.name)),
  );
}
