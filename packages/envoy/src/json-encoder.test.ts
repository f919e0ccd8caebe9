/**
 * The encoder writes fields in field-number order whatever order the JSON lists them in: builders
 * that write them in number order take a fast path (json-encoder.ts messageEncoder), any other order
 * is sorted, and both give the same bytes — and the same problems, in the same order.
 */
import fc from 'fast-check';
import { decodeMessage, encodeMessage, validateMessage } from './codec.js';
import { RESOURCE_TYPES } from './type-urls.js';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

const route = {
  name: 'default/eg/http-80',
  virtualHosts: [
    {
      name: 'shop.example.com',
      domains: ['shop.example.com', 'shop.example.com:*'],
      routes: [
        {
          name: 'httproute/default/shop/rule/0/match/0',
          match: { pathSeparatedPrefix: '/cart', headers: [{ name: 'x-tenant', stringMatch: { exact: '0' } }], caseSensitive: true },
          route: { weightedClusters: { clusters: [{ name: 'default/svc-0/80', weight: 90 }, { name: 'default/svc-1/80', weight: 10 }] }, timeout: '0s' },
          requestHeadersToAdd: [{ header: { key: 'x-wörld', value: 'ünïcode ✓' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
        },
        { name: 'r2', match: { prefix: '/' }, directResponse: { status: 404 } },
      ],
    },
  ],
  ignorePortInHostMatching: true,
};

const listener = {
  name: 'default/eg/http-80',
  address: { socketAddress: { address: '0.0.0.0', portValue: 80 } },
  filterChains: [
    {
      filters: [
        {
          name: 'envoy.filters.network.http_connection_manager',
          typedConfig: { '@type': HCM, statPrefix: 'http-80', rds: { routeConfigName: 'default/eg/http-80', configSource: { ads: {}, resourceApiVersion: 'V3' } } },
        },
      ],
    },
  ],
};

/** `value` with the keys of every object reordered by `order` (a permutation seed per object). */
function reordered(value: unknown, seeds: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => reordered(v, seeds));
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  // '@type' stays first: the Any encoder reads it wherever it is, but keep the JSON conventional.
  const keyed = entries.map(([k, v]) => [k, reordered(v, seeds), k === '@type' ? -1 : seeds()] as const);
  keyed.sort((a, b) => a[2] - b[2]);
  return Object.fromEntries(keyed.map(([k, v]) => [k, v]));
}

describe('json encoder field order', () => {
  it('gives the same bytes for any key order', () => {
    for (const [typeName, message] of [
      [RESOURCE_TYPES.route, route],
      [RESOURCE_TYPES.listener, listener],
    ] as const) {
      const expected = Buffer.from(encodeMessage(typeName, message));
      fc.assert(
        fc.property(fc.array(fc.double({ noNaN: true }), { minLength: 64, maxLength: 64 }), (numbers) => {
          let i = 0;
          const shuffled = reordered(message, () => numbers[i++ % numbers.length]!) as Record<string, unknown>;
          expect(Buffer.from(encodeMessage(typeName, shuffled)).equals(expected)).toBe(true);
        }),
        { numRuns: 200 },
      );
    }
  });

  it("reports a message's unknown fields before the problems of its nested messages, whatever the key order", () => {
    const problems = ['bogus: unknown field of envoy.config.route.v3.RouteConfiguration', 'virtualHosts[0].typo: unknown field of envoy.config.route.v3.VirtualHost'];
    for (const table of [
      { name: 'r', bogus: 1, virtualHosts: [{ name: 'h', domains: ['*'], typo: true }] },
      { name: 'r', virtualHosts: [{ name: 'h', typo: true, domains: ['*'] }], bogus: 1 },
      { virtualHosts: [{ typo: true, domains: ['*'], name: 'h' }], bogus: 1, name: 'r' },
    ]) {
      expect(validateMessage(RESOURCE_TYPES.route, table)).toEqual(problems);
    }
  });
});

describe('json encoder defaults', () => {
  const ROUTE = 'envoy.config.route.v3.Route';

  it('keeps a string field of "0", "00" or "-0": only "" is a string\'s default', () => {
    for (const value of ['0', '00', '-0']) {
      const json = { name: value, match: { prefix: '/' }, requestHeadersToAdd: [{ header: { key: 'x-zero', value } }], directResponse: { status: 200 } };
      const decoded = decodeMessage(ROUTE, encodeMessage(ROUTE, json)) as typeof json;
      expect(decoded.name).toBe(value);
      expect(decoded.requestHeadersToAdd[0]!.header.value).toBe(value);
    }
  });

  it('treats a numeric zero given as a string (as proto3 JSON writes 64-bit numbers) like the number', () => {
    const cluster = 'envoy.config.cluster.v3.Cluster';
    // perConnectionBufferLimitBytes is a UInt32Value wrapper: its value field is a number, "0" is zero.
    const asString = Buffer.from(encodeMessage(cluster, { name: 'c', perConnectionBufferLimitBytes: '0' }));
    expect(asString.equals(Buffer.from(encodeMessage(cluster, { name: 'c', perConnectionBufferLimitBytes: 0 })))).toBe(true);
  });
});
