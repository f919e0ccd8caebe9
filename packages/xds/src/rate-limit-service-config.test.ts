import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { GatewayIR, HTTPListenerIR } from '@portico/ir';
import { rateLimitServiceConfig } from './rate-limit-service-config.js';

const input = resolve(dirname(fileURLToPath(import.meta.url)), '../../../testdata/xds/rate-limit-policy-global-valid.in.yaml');
const gateway = (parse(readFileSync(input, 'utf8')) as { ir: Record<string, GatewayIR> }).ir['default/eg']!;

describe('rateLimitServiceConfig', () => {
  it('writes one file per Gateway with global limits: its domain, a descriptor per policy rule under the keys the routes produce', () => {
    const files = rateLimitServiceConfig([gateway]);
    expect(files.map((f) => [f.fileName, f.domain])).toEqual([['default.eg.yaml', 'portico/default/eg']]);
    expect(parse(files[0]!.yaml)).toEqual({
      domain: 'portico/default/eg',
      descriptors: [
        { key: 'rule', value: 'default/both/0', rate_limit: { unit: 'minute', requests_per_unit: 5 } },
        { key: 'rule', value: 'default/gateway-limit/0', rate_limit: { unit: 'day', requests_per_unit: 1000 } },
        { key: 'rule', value: 'default/per-user/0', descriptors: [{ key: 'header', rate_limit: { unit: 'minute', requests_per_unit: 10 } }] },
        { key: 'rule', value: 'default/per-user/1', descriptors: [{ key: 'header', value: 'free', rate_limit: { unit: 'second', requests_per_unit: 2 } }] },
        { key: 'rule', value: 'default/per-user/2', descriptors: [{ key: 'remote_address', rate_limit: { unit: 'hour', requests_per_unit: 100 } }] },
      ],
    });
  });

  it('writes nothing for a Gateway without a rate-limit service', () => {
    const { rateLimitService: _, ...without } = gateway;
    expect(rateLimitServiceConfig([without])).toEqual([]);
  });

  it('quotes values so a header value cannot break the YAML', () => {
    const tricky = structuredClone(gateway);
    const listener = tricky.listeners[0] as HTTPListenerIR;
    listener.virtualHosts[0]!.routes[0]!.rateLimit = { policy: 'a/b', rules: [], responseHeaders: true, global: [{ descriptor: 'a/b/0', requests: 1, unit: 'second', header: { name: 'x', value: 'v: "1"\n- key: y' } }] };
    const parsed = parse(rateLimitServiceConfig([tricky])[0]!.yaml) as { descriptors: { value: string; descriptors?: { value: string }[] }[] };
    expect(parsed.descriptors.find((d) => d.value === 'a/b/0')?.descriptors?.[0]?.value).toBe('v: "1"\n- key: y');
  });
});
