import type { KubeObject } from '@portico/resources';
import { countByKind, createChangeTracker } from './changed-kinds.js';

const obj = (kind: string, name: string, spec: unknown = {}): KubeObject => ({ apiVersion: 'v1', kind, metadata: { namespace: 'default', name }, spec }) as KubeObject;

describe('createChangeTracker', () => {
  it('names the kinds with an object added, changed or removed', () => {
    const tracker = createChangeTracker();
    const service = obj('Service', 'a');
    const route = obj('HTTPRoute', 'r', { rules: [] });
    expect(tracker.changedKinds([service, route])).toEqual(['HTTPRoute', 'Service']);
    expect(tracker.changedKinds([service, route])).toEqual([]);
    // Equal content in a new instance is no change.
    expect(tracker.changedKinds([obj('Service', 'a'), obj('HTTPRoute', 'r', { rules: [] })])).toEqual([]);
    expect(tracker.changedKinds([service, obj('HTTPRoute', 'r', { rules: [{}] })])).toEqual(['HTTPRoute']);
    expect(tracker.changedKinds([obj('HTTPRoute', 'r', { rules: [{}] })])).toEqual(['Service']);
  });

  it('names the same kinds when it hashes in slices, a turn each', async () => {
    const tracker = createChangeTracker();
    const services = Array.from({ length: 7 }, (_, i) => obj('Service', `s${i}`));
    const route = obj('HTTPRoute', 'r', { rules: [] });
    expect(await tracker.changedKindsInSlices([...services, route], 2)).toEqual(['HTTPRoute', 'Service']);
    expect(await tracker.changedKindsInSlices([...services, obj('HTTPRoute', 'r', { rules: [{}] })], 2)).toEqual(['HTTPRoute']);
    expect(tracker.changedKinds(services)).toEqual(['HTTPRoute']);
  });

  it('hashes the first objects only when a second call compares with them, the same instances once', async () => {
    const tracker = createChangeTracker();
    let hashed = 0;
    const counted = (name: string): KubeObject => ({ ...obj('Service', name), toJSON() { hashed += 1; return { kind: 'Service', name }; } }) as unknown as KubeObject;
    const first = [counted('a'), counted('b'), obj('HTTPRoute', 'r')];
    expect(await tracker.changedKindsInSlices(first, 2)).toEqual(['HTTPRoute', 'Service']);
    expect(hashed).toBe(0);
    expect(await tracker.changedKindsInSlices([first[0]!, counted('b'), first[2]!], 2)).toEqual([]);
    expect(hashed).toBe(3);
    expect(tracker.changedKinds([first[0]!])).toEqual(['HTTPRoute', 'Service']);
  });

  it('counts objects by kind', () => {
    expect(countByKind([obj('Service', 'a'), obj('Service', 'b'), obj('Gateway', 'g')])).toEqual(new Map([['Service', 2], ['Gateway', 1]]));
  });
});
