/**
 * ReferenceGrant link, the other way round: a grant that no object refers through (no route, Gateway
 * or ListenerSet of any controller makes a reference it allows) is a WARN. It grants nothing today, and
 * lets a reference made tomorrow through without anyone deciding it again; often it is also a typo'd
 * grant meant for a reference that now FAILs (its kind, group or namespace spelled differently).
 * Class-wide: a grant belongs to no one gateway.
 */
import { GATEWAY_GROUP, ResourceSet, type ReferenceGrant } from '@portico/resources';
import { isReferenceAllowed } from '@portico/translator';
import type { Check, DiagnoseInput, Finding } from '../../findings.js';
import { allRoutes, namespaceOf, refOf } from '../chain-objects.js';
import { gatewayReferences, listenerSetReferences, routeReferences, type Reference } from './reference-grants.js';

interface Use {
  from: { group: string; kind: string; namespace: string };
  to: Reference['to'];
}

export const unusedGrantCheck: Check = (input) => {
  const uses = allUses(input);
  const findings: Finding[] = [];
  for (const grant of input.resources.list('ReferenceGrant')) {
    if (!Array.isArray(grant.spec?.from) || !Array.isArray(grant.spec.to)) continue;
    if (uses.some((use) => allows(grant, use))) continue;
    const from = grant.spec.from.map((f) => `${f.kind} in ${f.namespace}`).join(', ');
    const to = grant.spec.to.map((t) => `${t.kind}${t.name ? ` ${t.name}` : 's'}`).join(', ');
    findings.push({
      level: 'WARN',
      link: 'ReferenceGrant',
      object: refOf(grant),
      code: 'UnusedReferenceGrant',
      message: `nothing refers through this grant: no ${from || 'object'} refers to ${to || 'anything'} in ${namespaceOf(grant)}`,
      fix: 'delete the grant if it is no longer needed (it would let a later reference through unasked), or correct its from/to if a reference it was meant for is refused',
    });
  }
  return findings;
};

function allUses(input: DiagnoseInput): Use[] {
  const uses: Use[] = [];
  const add = (group: string, kind: string, namespace: string, references: Reference[]) => {
    for (const r of references) if (r.to.namespace !== namespace) uses.push({ from: { group, kind, namespace }, to: r.to });
  };
  for (const route of allRoutes(input)) add(GATEWAY_GROUP, route.kind, namespaceOf(route), routeReferences(route));
  for (const gateway of input.resources.list('Gateway')) add(GATEWAY_GROUP, 'Gateway', namespaceOf(gateway), gatewayReferences(gateway));
  for (const ls of input.resources.list('ListenerSet')) add(GATEWAY_GROUP, 'ListenerSet', namespaceOf(ls), listenerSetReferences(ls));
  return uses;
}

/** Does this one grant allow the use? The translator's own matching (GEP-709), on a set holding only the grant. */
function allows(grant: ReferenceGrant, use: Use): boolean {
  return use.from.namespace !== use.to.namespace && isReferenceAllowed(ResourceSet.from([grant]), use.from, use.to);
}
