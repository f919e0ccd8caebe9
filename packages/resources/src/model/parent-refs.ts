/** Comparing route parentRefs the way a route's status echoes them back. */
import { GATEWAY_GROUP, type ParentReference } from './gateway-api.js';

/** Same parentRef, whether its defaults (group, kind, the route's namespace) are spelled out or not. */
export function sameParentRef(a: ParentReference, b: ParentReference, routeNamespace: string): boolean {
  return (
    (a.group ?? GATEWAY_GROUP) === (b.group ?? GATEWAY_GROUP) &&
    (a.kind ?? 'Gateway') === (b.kind ?? 'Gateway') &&
    (a.namespace ?? routeNamespace) === (b.namespace ?? routeNamespace) &&
    a.name === b.name &&
    a.sectionName === b.sectionName &&
    a.port === b.port
  );
}
