import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import { dumpIR, redactIR, summarizePEM } from './dump.js';
import type { GatewayIR } from './types.js';

const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7secretkeymaterial\n-----END PRIVATE KEY-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJRTES\n-----END CERTIFICATE-----\n';
const CHAIN = CERT + CERT.replace('MIID', 'MIIE');
const sha12 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

function gateway(name: string): GatewayIR {
  return {
    name,
    gatewayClass: 'portico',
    listeners: [
      {
        type: 'TLS',
        name: 'tls-443',
        address: '0.0.0.0',
        port: 443,
        sources: ['https'],
        servers: [
          {
            mode: 'HTTPS',
            name: 'https',
            source: 'https',
            serverNames: ['*.example.com'],
            alpn: ['h2', 'http/1.1'],
            certificates: [{ secret: 'default/cert', certificateChain: CHAIN, privateKey: KEY, dnsNames: ['*.example.com'], notAfter: '2030-01-01T00:00:00Z' }],
            virtualHosts: [
              {
                name: '*.example.com',
                domains: ['*.example.com'],
                routes: [
                  {
                    name: 'httproute/default/web/rule/0/match/0',
                    source: { kind: 'HTTPRoute', namespace: 'default', name: 'web', rule: 0, match: 0 },
                    match: { path: { type: 'PathPrefix', value: '/' } },
                    // A long value: YAML must not fold it over lines.
                    requestHeaders: { set: [{ name: 'x-long', value: 'v'.repeat(150) + ' and more words after a space' }] },
                    destination: { backends: [{ weight: 1, backend: 'default/web/443/http' }] },
                  },
                ],
              },
            ],
          },
        ],
      },
    ],
    backends: [
      {
        name: 'default/web/443/http',
        service: { namespace: 'default', name: 'web', port: 443 },
        protocol: 'HTTP',
        endpoints: [{ address: '10.0.0.1', port: 8443 }],
        tls: { policy: 'default/web', sni: 'web.internal', caCertificates: CERT, subjectAltNames: [] },
      },
    ],
  };
}

describe('summarizePEM', () => {
  test('counts certificates and fingerprints the text', () => {
    expect(summarizePEM(CERT)).toBe(`[PEM: 1 certificate, sha256:${sha12(CERT)}]`);
    expect(summarizePEM(CHAIN)).toBe(`[PEM: 2 certificates, sha256:${sha12(CHAIN)}]`);
    expect(summarizePEM('not a pem')).toMatch(/^\[PEM: 0 certificates, sha256:[0-9a-f]{12}\]$/);
  });
});

describe('redactIR', () => {
  test('redacts keys and summarises PEM at any depth without touching the input', () => {
    const input = gateway('default/gw');
    const before = structuredClone(input);
    const redacted = redactIR(input);
    expect(input).toEqual(before);
    const server = (redacted.listeners[0] as unknown as { servers: { certificates: Record<string, unknown>[] }[] }).servers[0]!;
    expect(server.certificates[0]).toEqual({
      secret: 'default/cert',
      certificateChain: `[PEM: 2 certificates, sha256:${sha12(CHAIN)}]`,
      privateKey: '[redacted]',
      dnsNames: ['*.example.com'],
      notAfter: '2030-01-01T00:00:00Z',
    });
    expect(redacted.backends[0]!.tls!.caCertificates).toBe(`[PEM: 1 certificate, sha256:${sha12(CERT)}]`);
  });

  test('works on any shape and drops undefined members', () => {
    expect(redactIR({ a: [{ privateKey: 'k', keep: 1, gone: undefined }], caCertificates: '' })).toEqual({
      a: [{ privateKey: '[redacted]', keep: 1 }],
      caCertificates: '',
    });
  });
});

describe('redactIR of trace export headers', () => {
  test('keeps the header names and hides their values (collectors take API keys there)', () => {
    const tracing = { serviceName: 'edge', exportHeaders: [{ name: 'x-api-key', value: 'collector-secret' }] };
    expect(redactIR({ tracing })).toEqual({ tracing: { serviceName: 'edge', exportHeaders: [{ name: 'x-api-key', value: '[redacted]' }] } });
    expect(tracing.exportHeaders[0]!.value).toBe('collector-secret');
  });
});

describe('dumpIR', () => {
  test.each(['yaml', 'json'] as const)('never prints key material (%s)', (format) => {
    const out = dumpIR(new Map([['default/gw', gateway('default/gw')]]), format);
    expect(out).not.toContain('secretkeymaterial');
    expect(out).not.toContain('PRIVATE KEY');
    expect(out).not.toContain('BEGIN CERTIFICATE');
    expect(out).toContain('[redacted]');
  });

  test('prints { ir: { key: GatewayIR } } with keys sorted, for a Map or a record', () => {
    const fromMap = dumpIR(new Map([['ns/b', gateway('ns/b')], ['ns/a', gateway('ns/a')]]), 'json');
    const fromRecord = dumpIR({ 'ns/a': gateway('ns/a'), 'ns/b': gateway('ns/b') }, 'json');
    expect(fromMap).toBe(fromRecord);
    const parsed = JSON.parse(fromMap) as { ir: Record<string, GatewayIR> };
    expect(Object.keys(parsed)).toEqual(['ir']);
    expect(Object.keys(parsed.ir)).toEqual(['ns/a', 'ns/b']);
    expect(parsed.ir['ns/a']).toEqual(redactIR(gateway('ns/a')));
    expect(fromMap.endsWith('}\n')).toBe(true);
  });

  test('YAML is stable, unfolded, alias-free and parses back to the JSON dump', () => {
    const shared = gateway('default/gw');
    const input = new Map([['default/gw', shared], ['default/gw2', shared]]);
    const yaml = dumpIR(input, 'yaml');
    expect(dumpIR(input, 'yaml')).toBe(yaml);
    expect(yaml).not.toMatch(/[&*]a\d+/);
    expect(yaml).toContain(`value: ${'v'.repeat(150)} and more words after a space\n`);
    expect(parse(yaml)).toEqual(JSON.parse(dumpIR(input, 'json')));
    expect(yaml.startsWith('ir:\n  default/gw:\n    name: default/gw\n    gatewayClass: portico\n    listeners:\n    - type: TLS\n')).toBe(true);
  });

  test('an empty set of gateways', () => {
    expect(dumpIR(new Map(), 'yaml')).toBe('ir: {}\n');
    expect(dumpIR({}, 'json')).toBe('{\n  "ir": {}\n}\n');
  });
});
