import { bufferHttpFilters } from '../listeners/buffer-filter.js';
import { BUFFER_FILTER, LOCAL_RATE_LIMIT_FILTER } from '../names.js';
import { bufferPerFilterConfig } from './buffer-per-route.js';
import { rateLimitPerFilterConfig } from './rate-limit-per-route.js';

type Json = Record<string, any>;

describe('ingress-nginx limit-rps / limit-rpm as a local rate limit', () => {
  const config = rateLimitPerFilterConfig({
    policy: 'Ingress/default/api',
    rules: [
      { requests: 2, windowSeconds: 1, burst: 11, sourceIP: true },
      { requests: 100, windowSeconds: 60, burst: 501, sourceIP: true },
    ],
    responseHeaders: false,
    status: 503,
  })[LOCAL_RATE_LIMIT_FILTER] as Json;

  it('answers 503 and sends no x-ratelimit headers', () => {
    expect(config.status).toEqual({ code: 'ServiceUnavailable' });
    expect(config.enableXRatelimitHeaders).toBeUndefined();
  });

  it('sizes each bucket by its burst, refilled at the rate', () => {
    expect(config.descriptors.map((d: Json) => d.tokenBucket)).toEqual([
      { maxTokens: 11, tokensPerFill: 2, fillInterval: '1s' },
      { maxTokens: 501, tokensPerFill: 100, fillInterval: '60s' },
    ]);
  });

  it('keys the second per-client rule by the full-length masked address: two bucket sets per client', () => {
    expect(config.descriptors.map((d: Json) => d.entries)).toEqual([[{ key: 'remote_address' }], [{ key: 'masked_remote_address' }]]);
    expect(config.rateLimits).toEqual([{ actions: [{ remoteAddress: {} }] }, { actions: [{ maskedRemoteAddress: { v4PrefixMaskLen: 32, v6PrefixMaskLen: 128 } }] }]);
    expect(config.maxDynamicDescriptors).toBe(10_000);
  });

  it('keeps a RateLimitPolicy\'s 429 when the IR names no status', () => {
    const policy = rateLimitPerFilterConfig({ policy: 'default/p', rules: [{ requests: 5, windowSeconds: 1 }], responseHeaders: true })[LOCAL_RATE_LIMIT_FILTER] as Json;
    expect(policy.status).toBeUndefined();
    expect(policy.tokenBucket).toEqual({ maxTokens: 5, tokensPerFill: 5, fillInterval: '1s' });
  });
});

describe('proxy-body-size as the buffer filter', () => {
  it('enables the filter per route with the limit, and only routes with a limit', () => {
    expect(bufferPerFilterConfig(undefined)).toEqual({});
    expect(bufferPerFilterConfig(8 * 1024 * 1024)[BUFFER_FILTER]).toEqual({ '@type': 'type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute', buffer: { maxRequestBytes: 8388608 } });
  });

  it('installs the filter disabled, only where a route uses it', () => {
    expect(bufferHttpFilters(new Set())).toEqual([]);
    expect(bufferHttpFilters(new Set([BUFFER_FILTER]))).toMatchObject([{ name: BUFFER_FILTER, disabled: true }]);
  });
});
