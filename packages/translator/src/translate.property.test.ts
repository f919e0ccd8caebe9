/**
 * Property tests: whatever the resource set, translation never throws, every IR is valid, and every
 * object of ours that is not accepted carries a condition saying why.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
import { validateGatewayIR } from '@portico/ir';
import { parseResources, ResourceLoadError, ResourceSet, type Condition, type KubeObject } from '@portico/resources';
import { resourceSetObjects } from './arbitraries.test-util.js';
import { translate } from './translate.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

function explained(c: Condition): boolean {
  return c.status === 'True' || (c.reason.length > 0 && c.message.length > 0);
}

function checkResult(objects: KubeObject[]): void {
  const resources = ResourceSet.from(objects as never);
  const result = translate(resources, { now: new Date(0) });
  for (const ir of result.gateways.values()) expect(validateGatewayIR(ir)).toEqual([]);
  for (const s of result.statuses.values()) {
    switch (s.kind) {
      case 'GatewayClass':
      case 'Gateway':
      case 'ListenerSet':
        for (const c of s.status.conditions ?? []) expect(explained(c)).toBe(true);
        if (s.kind === 'Gateway' || s.kind === 'ListenerSet') for (const l of s.status.listeners ?? []) for (const c of l.conditions) expect(explained(c)).toBe(true);
        break;
      case 'BackendTLSPolicy':
      case 'XBackendTrafficPolicy':
      case 'SecurityPolicy':
      case 'BackendPolicy':
      case 'XTelemetryPolicy':
      case 'AccessLogPolicy':
      case 'RateLimitPolicy':
        for (const a of s.status.ancestors) for (const c of a.conditions) expect(explained(c)).toBe(true);
        break;
      case 'Ingress':
        break;
      default:
        for (const p of s.status.parents) {
          expect(p.conditions.map((c) => c.type)).toEqual(expect.arrayContaining(['Accepted', 'ResolvedRefs']));
          for (const c of p.conditions) expect(explained(c)).toBe(true);
        }
    }
  }
  // Every Gateway of an accepted class of ours has a status.
  const ours = new Set(
    [...result.statuses.values()].filter((s) => s.kind === 'GatewayClass' && s.status.conditions?.[0]?.status === 'True').map((s) => s.name),
  );
  for (const g of resources.list('Gateway')) {
    if (ours.has(g.spec.gatewayClassName)) expect(result.statuses.has(`Gateway/${g.metadata.namespace}/${g.metadata.name}`)).toBe(true);
  }
}

describe('translate properties', () => {
  it('never throws on random resource sets; IR valid; every rejection explained', () => {
    fc.assert(fc.property(resourceSetObjects, (objects) => checkResult(objects)), { numRuns: RUNS });
  });

  it('corrupted documents either fail to load with a located error or translate without throwing', () => {
    const corruption = fc.oneof(fc.constant(null), fc.integer(), fc.string(), fc.constant([]), fc.constant({}), fc.boolean());
    fc.assert(
      fc.property(resourceSetObjects, fc.array(fc.tuple(fc.nat(), fc.nat(), corruption), { minLength: 1, maxLength: 4 }), (objects, edits) => {
        const docs = structuredClone(objects) as unknown as Record<string, unknown>[];
        for (const [i, j, value] of edits) corruptAt(docs[i % docs.length]!, j, value);
        const text = docs.map((d) => stringify(d)).join('---\n');
        let loaded: KubeObject[];
        try {
          loaded = parseResources(text, 'corrupted.yaml').objects as KubeObject[];
        } catch (e) {
          expect(e).toBeInstanceOf(ResourceLoadError);
          expect((e as Error).message).toMatch(/^corrupted\.yaml/);
          return;
        }
        checkResult(loaded);
      }),
      { numRuns: RUNS },
    );
  });
});

/** Replaces the j-th field (depth-first) of a document with `value`. */
function corruptAt(doc: Record<string, unknown>, j: number, value: unknown): void {
  const slots: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach((v, i) => (slots.push([node, i]), walk(v)));
    else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) (slots.push([node as Record<string, unknown>, k]), walk(v));
  };
  walk(doc);
  if (slots.length === 0) return;
  const [parent, key] = slots[j % slots.length]!;
  (parent as Record<string | number, unknown>)[key] = value;
}
