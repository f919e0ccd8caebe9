/**
 * The consistency walk finds names inside constant JSON (@portico/envoy constantJson) once and
 * remembers them: the names must be found wherever the constant is used, the first time and after.
 */
import { constantJson } from '@portico/envoy';
import type { XdsResources } from '../resources.js';
import { consistencyProblems, referencedNames } from './consistency.js';

const table = (name: string, route: unknown) => ({
  name,
  resource: { name, virtualHosts: [{ name: 'h', domains: ['*'], routes: [{ name: 'r', match: { prefix: '/' }, route }] }] },
});

describe('constant JSON in the consistency walk', () => {
  it('finds the cluster a constant route action names, each time it is walked', () => {
    const action = constantJson({ weightedClusters: { clusters: [{ name: 'default/a/80', weight: 1 }, { name: 'default/b/80', weight: 1 }] } });
    for (const name of ['t1', 't2']) {
      const names = referencedNames({ listeners: [], routes: [table(name, action)], clusters: [] });
      expect([...names.clusters].sort()).toEqual(['default/a/80', 'default/b/80']);
    }
  });

  it('reports a cluster a constant names that is not in the snapshot', () => {
    const action = constantJson({ cluster: 'default/missing/80' });
    const resources: XdsResources = { listeners: [], routes: [table('t', action)], clusters: [], endpoints: [], secrets: [] };
    expect(consistencyProblems(resources)).toEqual(['clusters: default/missing/80 is referenced but not in the snapshot']);
  });
});
