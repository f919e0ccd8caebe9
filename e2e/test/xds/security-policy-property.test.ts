/**
 * Property test (fast-check, fixed seed): whatever SecurityPolicies a folder holds — valid, invalid,
 * conflicting, naming missing objects, reading Secrets that hold anything — translation never throws,
 * every IR is valid, the xDS built from it encodes against Envoy's protos with consistent references,
 * every policy with a status says why when it is not Accepted, a route the policies do not target
 * serves as if there were none, and no Secret value shows in the redacted dumps.
 */
import fc from 'fast-check';
import { dumpIR, validateGatewayIR, type GatewayIR, type HTTPRouteIR } from '@portico/ir';
import { ResourceSet } from '@portico/resources';
import { translate } from '@portico/translator';
import { gatewayConfigDump } from '@portico/xds';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);
const SEED = 17;
const SECRET_VALUE = 'zz-secret-value-zz';

const GW = 'gateway.networking.k8s.io';
const base = [
  { apiVersion: `${GW}/v1`, kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } },
  { apiVersion: `${GW}/v1`, kind: 'Gateway', metadata: { namespace: 'default', name: 'eg' }, spec: { gatewayClassName: 'portico', listeners: [{ name: 'a', protocol: 'HTTP', port: 80 }, { name: 'b', protocol: 'HTTP', port: 8080 }] } },
  {
    apiVersion: `${GW}/v1`,
    kind: 'HTTPRoute',
    metadata: { namespace: 'default', name: 'web' },
    spec: { parentRefs: [{ name: 'eg', sectionName: 'a' }], rules: [{ name: 'r1', matches: [{ path: { type: 'PathPrefix', value: '/x' } }], backendRefs: [{ name: 'web', port: 80 }] }, { backendRefs: [{ name: 'web', port: 80 }] }] },
  },
  {
    apiVersion: `${GW}/v1`,
    kind: 'HTTPRoute',
    metadata: { namespace: 'default', name: 'bystander' },
    spec: { parentRefs: [{ name: 'eg', sectionName: 'b' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/by' } }], backendRefs: [{ name: 'web', port: 80 }] }] },
  },
  { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'web' }, spec: { ports: [{ name: 'http', port: 80 }] } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'default', name: 'good-users' }, stringData: { '.htpasswd': 'alice:{SHA}2jmj7l5rSw0yVb/vlWAYkK/YBwk=' } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'default', name: 'odd' }, stringData: { '.htpasswd': `x:${SECRET_VALUE}`, 'jwks.json': SECRET_VALUE, k: SECRET_VALUE } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'default', name: 'keys' }, type: 'gateway.portico.dev/api-keys', stringData: { a: SECRET_VALUE, b: `${SECRET_VALUE}-2` } },
];

const target = fc.oneof(
  fc.constant({ group: GW, kind: 'Gateway', name: 'eg' }),
  fc.constantFrom('a', 'zz').map((sectionName) => ({ group: GW, kind: 'Gateway', name: 'eg', sectionName })),
  fc.constantFrom('web', 'ghost').map((name) => ({ group: GW, kind: 'HTTPRoute', name })),
  fc.constantFrom('r1', 'nope').map((sectionName) => ({ group: GW, kind: 'HTTPRoute', name: 'web', sectionName })),
  fc.constant({ group: 'example.com', kind: 'Thing', name: 'x' }),
);
const cidr = fc.constantFrom('10.0.0.0/8', '2001:db8::/32', '10.0.0.300/8', 'nonsense', '0.0.0.0/0', '1.2.3.4/33');
const jwks = fc.constantFrom('{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}', '{"keys":[]}', 'not json', '{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}');
const spec = fc.record(
  {
    ipAccess: fc.record({ allow: fc.array(cidr, { maxLength: 3 }), deny: fc.array(cidr, { maxLength: 3 }) }, { requiredKeys: [] }),
    basicAuth: fc.constantFrom('good-users', 'odd', 'missing').map((name) => ({ users: { name } })),
    apiKeyAuth: fc.record({ credentialRefs: fc.array(fc.constantFrom('keys', 'odd', 'missing').map((name) => ({ name })), { minLength: 1, maxLength: 2 }), hideCredentials: fc.boolean() }),
    jwt: fc.record({
      providers: fc.array(
        fc.record({ name: fc.constantFrom('p1', 'p2'), localJWKS: fc.oneof(jwks.map((inline) => ({ inline })), fc.constantFrom('odd', 'missing').map((name) => ({ valueRef: { kind: 'Secret', name } }))) }),
        { minLength: 1, maxLength: 2 },
      ),
    }),
  },
  { requiredKeys: [] },
);
const policies = fc.array(
  fc.record({ targets: fc.array(target, { minLength: 1, maxLength: 3 }), spec, created: fc.constantFrom('2025-01-01T00:00:00Z', '2025-06-01T00:00:00Z') }),
  { maxLength: 4 },
);

function routesOf(gateway: GatewayIR | undefined): HTTPRouteIR[] {
  return (gateway?.listeners ?? []).flatMap((l) => ('virtualHosts' in l ? (l.virtualHosts ?? []) : [])).flatMap((vh) => vh.routes);
}

describe('SecurityPolicy property', () => {
  it('never throws, stays Envoy-valid and explained, touches only its targets, and leaks no Secret value', () => {
    const plain = routesOf(translate(ResourceSet.from(base as never), { now: new Date(0) }).gateways.get('default/eg')).find((r) => r.source.name === 'bystander');
    fc.assert(
      fc.property(policies, (list) => {
        const objects = [
          ...base,
          ...list.map((p, i) => ({
            apiVersion: 'gateway.portico.dev/v1alpha1',
            kind: 'SecurityPolicy',
            metadata: { namespace: 'default', name: `p${i}`, creationTimestamp: p.created },
            spec: { targetRefs: p.targets, ...p.spec },
          })),
        ];
        const result = translate(ResourceSet.from(objects as never), { now: new Date(0) });
        expect(result.failures).toEqual([]);
        const gateway = result.gateways.get('default/eg')!;
        expect(validateGatewayIR(gateway)).toEqual([]);
        const { dump, problems } = gatewayConfigDump(gateway);
        expect(problems).toEqual([]);
        for (const [, status] of result.statuses) {
          if (status.kind !== 'SecurityPolicy') continue;
          for (const a of status.status.ancestors) for (const c of a.conditions) expect(c.status === 'True' || (c.reason !== '' && c.message !== '')).toBe(true);
        }
        // The bystander route (listener b, no rule name) is touched only by Gateway-level policies.
        const gatewayWide = list.some((p) => p.targets.some((t) => t.kind === 'Gateway' && !('sectionName' in t)));
        if (!gatewayWide) expect(routesOf(gateway).find((r) => r.source.name === 'bystander')).toEqual(plain);
        expect(dumpIR(result.gateways, 'json')).not.toContain(SECRET_VALUE);
        expect(JSON.stringify(dump)).not.toContain(SECRET_VALUE);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
