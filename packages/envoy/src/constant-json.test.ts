/**
 * Constant JSON (constant-json.ts) is encoded once per message type and its bytes reused: the
 * reused bytes must be those a fresh encoding of the same JSON gives, for any type it is used as,
 * and a constant that is invalid where it is used must still be reported there, every time.
 */
import { constantJson, isConstantJson } from './constant-json.js';
import { encodeMessage, EnvoyEncodeError } from './codec.js';
import { RESOURCE_TYPES } from './type-urls.js';

const lbPolicy = () => ({
  policies: [
    {
      typedExtensionConfig: {
        name: 'envoy.load_balancing_policies.round_robin',
        typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin' },
      },
    },
  ],
});

const cluster = (loadBalancingPolicy: unknown, name = 'default/svc/80') => ({ name, type: 'EDS', connectTimeout: '5s', loadBalancingPolicy });

describe('constantJson', () => {
  it('deep-freezes and marks the object itself', () => {
    const json = constantJson(lbPolicy());
    expect(isConstantJson(json)).toBe(true);
    expect(Object.isFrozen(json.policies)).toBe(true);
    expect(Object.isFrozen((json.policies as object[])[0])).toBe(true);
    expect(isConstantJson(lbPolicy())).toBe(false);
  });

  it('gives the bytes of a fresh encoding, the first time and when reused', () => {
    const shared = constantJson(lbPolicy());
    const expected = encodeMessage(RESOURCE_TYPES.cluster, cluster(lbPolicy()));
    expect(encodeMessage(RESOURCE_TYPES.cluster, cluster(shared))).toEqual(expected);
    expect(encodeMessage(RESOURCE_TYPES.cluster, cluster(shared))).toEqual(expected);
    // Another resource around it: only the constant part is reused.
    expect(encodeMessage(RESOURCE_TYPES.cluster, cluster(shared, 'other'))).toEqual(encodeMessage(RESOURCE_TYPES.cluster, cluster(lbPolicy(), 'other')));
  });

  it('keeps bytes per message type: the same constant encodes as each type it is used as', () => {
    const empty = constantJson({});
    const withEmpty = { name: 'c', edsClusterConfig: { edsConfig: { ads: empty, resourceApiVersion: 'V3' } }, type: 'EDS' };
    const fresh = { name: 'c', edsClusterConfig: { edsConfig: { ads: {}, resourceApiVersion: 'V3' } }, type: 'EDS' };
    expect(encodeMessage(RESOURCE_TYPES.cluster, withEmpty)).toEqual(encodeMessage(RESOURCE_TYPES.cluster, fresh));
    expect(encodeMessage(RESOURCE_TYPES.endpoint, { clusterName: 'c', policy: empty })).toEqual(encodeMessage(RESOURCE_TYPES.endpoint, { clusterName: 'c', policy: {} }));
  });

  it('reports an invalid constant wherever it is used, and never caches it', () => {
    const bad = constantJson({ policies: [{ typedExtensionConfig: { name: 'x', typedConfig: { '@type': 'type.googleapis.com/no.such.Type' } } }] });
    for (let i = 0; i < 2; i++) expect(() => encodeMessage(RESOURCE_TYPES.cluster, cluster(bad))).toThrow(EnvoyEncodeError);
  });
});
