/**
 * portico.dev/Shadowed on the losing route's parent entries: set while shadowed, absent otherwise,
 * Accepted and ResolvedRefs untouched, printed by applyStatuses (what /debug/status and `translate
 * --to gateway-api` show), and owned by the status writer (WRITTEN_CONDITION_TYPES) so it is removed
 * once the overlap is gone.
 */
import { parseResources, ResourceSet, type KubeObject, type RouteParentStatus } from '@portico/resources';
import { applyStatuses } from '../../status/apply-statuses.js';
import { WRITTEN_CONDITION_TYPES } from '../../status/condition-types.js';
import { translate } from '../../translate.js';
import { createTranslationCache } from '../../translation-cache.js';
import { SHADOWED_CONDITION } from './shadowed-condition.js';

const CONTROLLER = 'portico.dev/gateway-controller';

/** `second`'s match is YAML; `first` has PathPrefix /api on listener http. */
const objects = (secondMatch: string) =>
  parseResources(
    `
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico }
spec: { controllerName: ${CONTROLLER} }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: eg, namespace: default }
spec:
  gatewayClassName: portico
  listeners: [{ name: http, protocol: HTTP, port: 80 }, { name: other, protocol: HTTP, port: 8080 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: first, namespace: default, creationTimestamp: "2024-01-01T00:00:00Z" }
spec:
  parentRefs: [{ name: eg, sectionName: http }]
  rules: [{ matches: [{ path: { type: PathPrefix, value: /api } }] }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: second, namespace: default, creationTimestamp: "2025-01-01T00:00:00Z" }
spec:
  parentRefs: [{ name: eg, sectionName: http }, { name: eg, sectionName: other }]
  rules: [{ matches: [${secondMatch}] }]
`,
    'in.yaml',
  ).objects;

function parentsOf(result: ReturnType<typeof translate>, name: string): RouteParentStatus[] {
  const status = result.statuses.get(`HTTPRoute/default/${name}`);
  return status && 'parents' in status.status ? status.status.parents : [];
}

const shadowedOf = (parent: RouteParentStatus) => parent.conditions.find((c) => c.type === SHADOWED_CONDITION);

describe('the portico.dev/Shadowed route parent condition', () => {
  it('marks only the parent entry whose listener has the shadowed match, and leaves Accepted alone', () => {
    const input = objects('{ path: { type: PathPrefix, value: /api } }');
    const result = translate(ResourceSet.from(input), { now: new Date('2026-01-01T00:00:00Z') });
    const [http, other] = parentsOf(result, 'second');
    expect(shadowedOf(http!)).toMatchObject({ status: 'True', reason: 'OverlapsRoute' });
    expect(shadowedOf(http!)!.message).toContain('HTTPRoute default/first rule 0 match 0 (PathPrefix /api)');
    expect(http!.conditions.find((c) => c.type === 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(shadowedOf(other!)).toBeUndefined();
    expect(parentsOf(result, 'first').every((p) => !shadowedOf(p))).toBe(true);
    expect(result.shadowed).toEqual([expect.objectContaining({ gateway: 'default/eg', listener: 'http', hostname: '*', reason: 'OverlapsRoute', decidedBy: 'CreationTimestamp' })]);

    const printed = applyStatuses(input as KubeObject[], result, CONTROLLER).find((o) => o.metadata.name === 'second') as { status: { parents: RouteParentStatus[] } };
    expect(shadowedOf(printed.status.parents[0]!)).toMatchObject({ status: 'True' });
  });

  it('is absent once the overlap is gone, and is a type the status writer owns (so it removes it)', () => {
    const cache = createTranslationCache();
    const shadowing = objects('{ path: { type: PathPrefix, value: /api } }');
    const first = translate(ResourceSet.from(shadowing), { cache, now: new Date('2026-01-01T00:00:00Z') });
    expect(shadowedOf(parentsOf(first, 'second')[0]!)).toBeDefined();
    const again = translate(ResourceSet.from(shadowing), { cache, now: new Date('2026-01-02T00:00:00Z') });
    expect(shadowedOf(parentsOf(again, 'second')[0]!)!.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    // Exact /api comes before PathPrefix /api (httproute_types.go): nothing is shadowed any more.
    const fixed = translate(ResourceSet.from(objects('{ path: { type: Exact, value: /api } }')), { cache, now: new Date('2026-01-03T00:00:00Z') });
    expect(parentsOf(fixed, 'second').map(shadowedOf)).toEqual([undefined, undefined]);
    expect(fixed.shadowed).toEqual([]);
    expect(WRITTEN_CONDITION_TYPES.routeParent).toContain(SHADOWED_CONDITION);
  });
});
