import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayIR } from '@portico/ir';
import { rateLimitServiceConfig } from '@portico/xds';
import { createRateLimitConfigWriter } from './rate-limit-config-writer.js';
import { silentLogger } from './logger.js';

function gateway(name: string, requests: number): GatewayIR {
  const route = {
    name: 'r',
    source: { kind: 'HTTPRoute', namespace: 'default', name: 'web' },
    match: { path: { type: 'PathPrefix', value: '/' } },
    directResponse: { status: 200 },
    rateLimit: { policy: 'default/p', rules: [], responseHeaders: true, global: [{ descriptor: 'default/p/0', requests, unit: 'minute' }] },
  };
  return {
    name,
    gatewayClass: 'portico',
    listeners: [{ type: 'HTTP', name: 'http-80', address: '0.0.0.0', port: 80, sources: ['http'], virtualHosts: [{ name: 'vh', domains: ['*'], routes: [route] }] }],
    backends: [],
    rateLimitService: { host: '127.0.0.1', port: 8081, domain: `portico/${name}`, failOpen: true, timeoutMs: 100 },
  } as unknown as GatewayIR;
}

describe('createRateLimitConfigWriter', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'portico-rl-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a file per Gateway, rewrites changed ones, removes stale ones (one a previous run left too), and leaves no temporary file', () => {
    const writer = createRateLimitConfigWriter({ directory: join(dir, 'config'), logger: silentLogger() });
    const config = join(dir, 'config');
    writer.write(rateLimitServiceConfig([gateway('default/a', 5), gateway('default/b', 7)]));
    expect(readdirSync(config).sort()).toEqual(['default.a.yaml', 'default.b.yaml']);
    expect(readFileSync(join(config, 'default.a.yaml'), 'utf8')).toContain('requests_per_unit: 5');
    writer.write(rateLimitServiceConfig([gateway('default/a', 9)]));
    expect(readdirSync(config)).toEqual(['default.a.yaml']);
    expect(readFileSync(join(config, 'default.a.yaml'), 'utf8')).toContain('requests_per_unit: 9');
    const again = createRateLimitConfigWriter({ directory: config, logger: silentLogger() });
    writeFileSync(join(config, 'stale.yaml'), 'domain: stale\n');
    again.write([]);
    expect(readdirSync(config)).toEqual([]);
  });

  it('logs and carries on when the folder cannot be written', () => {
    writeFileSync(join(dir, 'file'), '');
    const writer = createRateLimitConfigWriter({ directory: join(dir, 'file', 'config'), logger: silentLogger() });
    expect(() => writer.write(rateLimitServiceConfig([gateway('default/a', 5)]))).not.toThrow();
  });
});
