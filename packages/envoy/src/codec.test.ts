import { decodeMessage, encodeMessage, EnvoyEncodeError, validateMessage } from './codec.js';
import { envoyProtos } from './load-protos.js';
import { RESOURCE_TYPES } from './type-urls.js';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

const listener = {
  name: 'default/eg/http-80',
  address: { socketAddress: { address: '0.0.0.0', portValue: 80 } },
  filterChains: [
    {
      filters: [
        {
          name: 'envoy.filters.network.http_connection_manager',
          typedConfig: {
            '@type': HCM,
            statPrefix: 'http-80',
            rds: { routeConfigName: 'default/eg/http-80', configSource: { ads: {}, resourceApiVersion: 'V3' } },
            commonHttpProtocolOptions: { idleTimeout: '3600s' },
            httpFilters: [{ name: 'envoy.filters.http.router', typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
          },
        },
      ],
    },
  ],
};

describe('envoy codec', () => {
  it('loads every root once', () => {
    expect(envoyProtos()).toBe(envoyProtos());
    for (const name of Object.values(RESOURCE_TYPES)) expect(envoyProtos().lookupType(name).fullName).toBe(`.${name}`);
  });

  it('round-trips a listener with nested Anys and Durations', () => {
    const bytes = encodeMessage(RESOURCE_TYPES.listener, listener);
    expect(decodeMessage(RESOURCE_TYPES.listener, bytes)).toEqual(listener);
  });

  it('rejects unknown fields, enum values and @types with their paths', () => {
    const bad = structuredClone(listener) as typeof listener & { bogus?: number };
    bad.bogus = 1;
    (bad.filterChains[0]!.filters[0]!.typedConfig as Record<string, unknown>).statPrefx = 'typo';
    (bad.filterChains[0]!.filters[0]!.typedConfig.rds.configSource as Record<string, unknown>).resourceApiVersion = 'V4';
    (bad.filterChains[0]!.filters[0]!.typedConfig.httpFilters[0]!.typedConfig as Record<string, unknown>)['@type'] = 'type.googleapis.com/nope.Nope';
    expect(validateMessage(RESOURCE_TYPES.listener, bad).sort()).toEqual(
      [
        'bogus: unknown field of envoy.config.listener.v3.Listener',
        'filterChains[0].filters[0].typedConfig.rds.configSource.resourceApiVersion: unknown value "V4" of enum envoy.config.core.v3.ApiVersion',
        'filterChains[0].filters[0].typedConfig.httpFilters[0].typedConfig: unknown @type type.googleapis.com/nope.Nope',
        'filterChains[0].filters[0].typedConfig.statPrefx: unknown field of envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      ].sort(),
    );
    expect(() => encodeMessage(RESOURCE_TYPES.listener, bad)).toThrow(EnvoyEncodeError);
  });
});
