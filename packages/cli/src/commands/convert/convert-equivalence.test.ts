import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { convertIngresses, translate } from '@portico/translator';
import { parseResources, ResourceSet, type KubeObject } from '@portico/resources';
import { compareConversion } from './convert-equivalence.test-util.js';

const CORPUS = new URL('../../../../../testdata/convert/nginx-corpus.in.yaml', import.meta.url);
const TRANSLATOR_GOLDENS = new URL('../../../../../testdata/translator/', import.meta.url);
const CONVERT_GOLDENS = new URL('../../../../../testdata/convert/', import.meta.url);
const INGRESS_GOLDENS = [
  ...readdirSync(TRANSLATOR_GOLDENS).filter((f) => f.startsWith('ingress') && f.endsWith('.in.yaml')).map((f) => new URL(f, TRANSLATOR_GOLDENS)),
  ...readdirSync(CONVERT_GOLDENS).filter((f) => f.endsWith('.in.yaml') && f !== 'nginx-corpus.in.yaml').map((f) => new URL(f, CONVERT_GOLDENS)),
].map((url) => [url.pathname.split('/').slice(-2).join('/'), url] as const);

describe('portico convert: equivalence with the Ingress translation', () => {
  it('converts the ingress-nginx corpus with no routing difference', () => {
    const { objects } = parseResources(readFileSync(CORPUS, 'utf8'), 'nginx-corpus.in.yaml');
    const started = performance.now();
    const conversion = convertIngresses(objects);
    const ms = performance.now() - started;
    const result = compareConversion(objects, conversion.objects, 'k8s.io/ingress-nginx');
    console.log(`convert: ${objects.filter((o) => o.kind === 'Ingress').length} Ingresses in ${ms.toFixed(1)} ms; ${result.tables} tables, ${result.routes} routes, ${result.requests} requests compared; ${result.differences.length} differences`);
    expect(result.differences).toEqual([]);
    // The only reported differences: the redirect Ingresses' query strings and the rate limits' bursts and statuses, each named by the report.
    const redirecting = new Set(conversion.notes.filter((n) => n.message.startsWith('permanent/temporal redirect')).map((n) => n.ingress));
    const limited = new Set(conversion.notes.filter((n) => n.message.startsWith('limit-rps/limit-rpm')).map((n) => n.ingress));
    const bodyLimited = new Set(conversion.notes.filter((n) => n.message.startsWith('proxy-body-size')).map((n) => n.ingress));
    for (const r of result.reported) expect([...(r.includes('rate limit') ? limited : r.includes('body limit') ? bodyLimited : redirecting)].some((key) => r.includes(`ingress/${key}/`))).toBe(true);
    expect(result.requests).toBeGreaterThanOrEqual(200);
  });

  // The route tables compare dumps, where htpasswd files are redacted: the users themselves are compared here.
  it('converts source ranges and basic auth to SecurityPolicies enforcing the same client ranges and htpasswd entries', () => {
    const { objects } = parseResources(readFileSync(CORPUS, 'utf8'), 'nginx-corpus.in.yaml');
    const securityByHost = (input: readonly KubeObject[], options: { ingressControllerName?: string } = {}) => {
      const out = new Map<string, string>();
      for (const gateway of translate(ResourceSet.from(input as never), { ...options, now: new Date('2026-01-01T00:00:00Z') }).gateways.values()) {
        for (const listener of gateway.listeners) {
          if (!('virtualHosts' in listener)) continue;
          for (const host of listener.virtualHosts ?? []) {
            for (const route of host.routes) {
              if (!route.security) continue;
              // The policy and Secret names differ by design (`<secret>-htpasswd` holds the converted copy).
              const { policy: _p, basicAuth, ...checks } = route.security;
              out.set(`${listener.port} ${host.name} ${JSON.stringify(route.match)}`, JSON.stringify({ ...checks, htpasswd: basicAuth?.htpasswd }));
            }
          }
        }
      }
      return out;
    };
    const ingress = securityByHost(objects, { ingressControllerName: 'k8s.io/ingress-nginx' });
    const converted = securityByHost(convertIngresses(objects).objects);
    expect([...ingress.values()].some((v) => v.includes('htpasswd'))).toBe(true);
    for (const [where, checks] of ingress) expect([where, converted.get(where)]).toEqual([where, checks]);
  });

  // Rate limits are per-route filter configs, not routing: the rates per client address are compared here.
  it('converts limit-rps to a RateLimitPolicy with the same per-client rate, reporting the burst and the status', () => {
    const { objects } = parseResources(readFileSync(CORPUS, 'utf8'), 'nginx-corpus.in.yaml');
    const limitsByHost = (input: readonly KubeObject[], options: { ingressControllerName?: string } = {}) => {
      const out = new Map<string, string>();
      for (const gateway of translate(ResourceSet.from(input as never), { ...options, now: new Date('2026-01-01T00:00:00Z') }).gateways.values()) {
        for (const listener of gateway.listeners) {
          if (!('virtualHosts' in listener)) continue;
          for (const host of listener.virtualHosts ?? []) {
            for (const route of host.routes) {
              const first = route.rateLimit?.rules[0];
              if (first) out.set(`${listener.port} ${host.name} ${JSON.stringify(route.match)}`, JSON.stringify({ requests: first.requests, windowSeconds: first.windowSeconds, sourceIP: first.sourceIP }));
            }
          }
        }
      }
      return out;
    };
    const ingress = limitsByHost(objects, { ingressControllerName: 'k8s.io/ingress-nginx' });
    const conversion = convertIngresses(objects);
    const converted = limitsByHost(conversion.objects);
    expect(ingress.size).toBeGreaterThan(0);
    for (const [where, limit] of ingress) expect([where, converted.get(where)]).toEqual([where, limit]);
    const notes = conversion.notes.filter((n) => n.ingress === 'shop/search-rate-limited').map((n) => n.message);
    expect(notes.some((m) => m.includes('a burst of 61') && m.includes('refuses with 429 where nginx answers 503'))).toBe(true);
    expect(notes.some((m) => m.startsWith('limit-rpm (600 per minute) is left out'))).toBe(true);
  });

  it('converts auth-url to SecurityPolicy extAuth giving every route the same ext_authz check', () => {
    const { objects } = parseResources(readFileSync(CORPUS, 'utf8'), 'nginx-corpus.in.yaml');
    const checksByRoute = (input: readonly KubeObject[], options: { ingressControllerName?: string } = {}) => {
      const out = new Map<string, unknown>();
      for (const gateway of translate(ResourceSet.from(input as never), { ...options, now: new Date('2026-01-01T00:00:00Z') }).gateways.values()) {
        for (const listener of gateway.listeners) {
          // A TLS listener's hosts sit on the listener or on its HTTPS servers.
          const servers = 'servers' in listener ? listener.servers.flatMap((s) => ('virtualHosts' in s ? s.virtualHosts : [])) : [];
          const hosts = [...('virtualHosts' in listener ? (listener.virtualHosts ?? []) : []), ...servers];
          for (const host of hosts) {
            for (const route of host.routes) if (route.externalAuth) out.set(`${listener.port} ${host.name} ${JSON.stringify(route.match)}`, route.externalAuth);
          }
        }
      }
      return out;
    };
    const ingress = checksByRoute(objects, { ingressControllerName: 'k8s.io/ingress-nginx' });
    const converted = checksByRoute(convertIngresses(objects).objects);
    expect(ingress.size).toBeGreaterThanOrEqual(2);
    expect([...ingress.values()]).toContainEqual(expect.objectContaining({ backend: 'security/authz/9000/http', pathOverride: '/validate' }));
    expect(converted).toEqual(ingress);
  });

  it('finds a difference planted in the conversion (the helper is not blind)', () => {
    const { objects } = parseResources(readFileSync(CORPUS, 'utf8'), 'nginx-corpus.in.yaml');
    const conversion = convertIngresses(objects);
    const planted = conversion.objects.map((o) =>
      // /v2/beta sent to api-v2 instead of api-v1.
      o.kind === 'HTTPRoute' && o.metadata.name === 'api-v2' ? JSON.parse(JSON.stringify(o).replace('"api-v1"', '"api-v2"')) : o,
    );
    const result = compareConversion(objects, planted, 'k8s.io/ingress-nginx');
    expect(result.differences.length).toBeGreaterThan(0);
    expect(result.differences.some((d) => d.startsWith('http://api.example.com/v2/beta : '))).toBe(true);
  });

  // Every Ingress case of the translator's (and convert's) goldens (the corner cases: precedence, wildcards, TLS,
  // broken backends, each annotation): converted exactly unless the report says otherwise.
  it.each(INGRESS_GOLDENS)('%s: no difference the report does not announce', (file, url) => {
    const { objects } = parseResources(readFileSync(url, 'utf8'), file, { kubernetesRules: 'warn' });
    const conversion = convertIngresses(objects);
    // The translator's goldens are written for Portico's IngressClass controller; convert's for ingress-nginx's.
    const controller = file.startsWith('convert/') ? 'k8s.io/ingress-nginx' : 'portico.dev/ingress-controller';
    const result = compareConversion(objects, conversion.objects, controller);
    const announced = conversion.notes.some((n) => n.level !== 'invalid');
    if (!announced) expect(result.differences).toEqual([]);
    else expect(result.tables + result.requests).toBeGreaterThan(0);
  });
});
