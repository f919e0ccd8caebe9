/**
 * The wire mechanism: a resource carrying its own bytes and references is encoded and checked
 * without its JSON ever being built, and its JSON is built (outside any build cache) only when read.
 */
import { encodeMessage, RESOURCE_TYPES } from '@portico/envoy';
import { createXdsBuildCache, memoized, withBuildCache } from '../build-cache.js';
import type { ReferencedNames, XdsResources } from '../resources.js';
import { consistencyProblems, referencedNames } from '../snapshot/consistency.js';
import { encodeResources, redactedConfigDump } from '../snapshot/versions.js';
import { WireResource } from './wire-resource.js';

const TABLE = { name: 't', virtualHosts: [{ name: 'h', domains: ['*'], routes: [{ name: 'r', match: { prefix: '/' }, route: { cluster: 'c' } }] }] };

function names(clusters: string[]): ReferencedNames {
  return { routes: new Set(), clusters: new Set(clusters), endpoints: new Set(), secrets: new Set(), perFilterConfigs: new Set() };
}

/**
 * A wire table whose JSON builds are recorded: each records what a memo under key `reads` gives, a
 * count that only grows when no build cache is active (an active one would answer the first count).
 */
function countedTable(references: ReferencedNames) {
  const reads: number[] = [];
  let builds = 0;
  const resource = new WireResource('t', encodeMessage(RESOURCE_TYPES.route, TABLE), references, () => {
    reads.push(memoized('probe', reads, () => ++builds));
    return structuredClone(TABLE);
  });
  return { resource, reads };
}

function resources(routes: XdsResources['routes']): XdsResources {
  return { listeners: [], routes, clusters: [], endpoints: [], secrets: [] };
}

describe('WireResource', () => {
  it('is encoded and checked from its bytes and references, its JSON never built', () => {
    const { resource, reads } = countedTable(names(['c']));
    const encoded = encodeResources(resources([resource]), new WeakMap());
    expect(encoded.routes[0]!.bytes).toBe(resource.bytes);
    expect(consistencyProblems(resources([resource]), createXdsBuildCache())).toEqual(['clusters: c is referenced but not in the snapshot']);
    expect([...referencedNames(resources([resource])).clusters]).toEqual(['c']);
    expect(reads).toEqual([]);
  });

  it('builds its JSON on each read, outside the active build cache, and its encoded form does too', () => {
    const { resource, reads } = countedTable(names(['c']));
    const encoded = encodeResources(resources([resource]));
    withBuildCache(createXdsBuildCache(), () => {
      expect(encoded.routes[0]!.resource).toEqual(TABLE);
      expect(resource.resource).toEqual(TABLE);
    });
    expect(reads).toEqual([1, 2]);
    // The config dump reads it once per table, and gets the same JSON.
    expect(redactedConfigDump(encoded).routes).toMatchObject({ dynamicRouteConfigs: [{ routeConfig: TABLE }] });
    expect(reads).toHaveLength(3);
  });
});
