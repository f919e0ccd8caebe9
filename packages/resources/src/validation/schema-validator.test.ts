import { Ajv, type SchemaObject } from 'ajv';
import { ALL_KINDS, KINDS } from '../model/kinds.js';
import { defaultsOnly, validateResource, validationSchema } from './schema-validator.js';

const GW = 'gateway.networking.k8s.io';

/** Validates a copy of `object` and returns it (defaults applied) or throws the violation. */
function defaulted(kind: (typeof ALL_KINDS)[number], version: string, object: Record<string, unknown>) {
  const copy = structuredClone(object);
  const violation = validateResource(copy, kind, version);
  if (violation) throw new Error(`${violation.path.join('.')}: ${violation.detail}`);
  // Tests read deep into the result; `any` keeps them short.
  return copy as Record<string, any>;
}

const meta = { name: 'x', namespace: 'default' };

describe('CRD defaults', () => {
  it('HTTPRoute: a rule without matches matches PathPrefix /; parentRef and backendRef get group, kind, weight', () => {
    const route = defaulted('HTTPRoute', 'v1', {
      apiVersion: `${GW}/v1`,
      kind: 'HTTPRoute',
      metadata: meta,
      spec: {
        parentRefs: [{ name: 'eg' }],
        rules: [{ backendRefs: [{ name: 'web', port: 80 }] }, { matches: [{ headers: [{ name: 'a', value: 'b' }] }] }],
      },
    });
    expect(route.spec.parentRefs).toEqual([{ name: 'eg', group: GW, kind: 'Gateway' }]);
    expect(route.spec.rules[0].matches).toEqual([{ path: { type: 'PathPrefix', value: '/' } }]);
    expect(route.spec.rules[0].backendRefs).toEqual([{ name: 'web', port: 80, group: '', kind: 'Service', weight: 1 }]);
    // A match without a path gets the default path; its header match gets type Exact.
    expect(route.spec.rules[1].matches).toEqual([
      { path: { type: 'PathPrefix', value: '/' }, headers: [{ name: 'a', value: 'b', type: 'Exact' }] },
    ]);
  });

  it('HTTPRoute: a route without rules gets one rule matching PathPrefix /', () => {
    const route = defaulted('HTTPRoute', 'v1', { apiVersion: `${GW}/v1`, kind: 'HTTPRoute', metadata: meta, spec: {} });
    expect(route.spec.rules).toEqual([{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }]);
  });

  it('Gateway: listeners allow routes from the same namespace; addresses are IPAddress', () => {
    const gateway = defaulted('Gateway', 'v1', {
      apiVersion: `${GW}/v1`,
      kind: 'Gateway',
      metadata: meta,
      spec: {
        gatewayClassName: 'portico',
        addresses: [{ value: '10.0.0.1' }],
        listeners: [
          { name: 'http', port: 80, protocol: 'HTTP' },
          { name: 'tls', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'c' }] } },
        ],
      },
    });
    expect(gateway.spec.listeners[0].allowedRoutes).toEqual({ namespaces: { from: 'Same' } });
    expect(gateway.spec.listeners[1].tls).toEqual({ mode: 'Terminate', certificateRefs: [{ name: 'c', group: '', kind: 'Secret' }] });
    expect(gateway.spec.addresses).toEqual([{ type: 'IPAddress', value: '10.0.0.1' }]);
    // As read back from the API server before any controller wrote status.
    expect(gateway.status.conditions.map((c: { reason: string }) => c.reason)).toEqual(['Pending', 'Pending']);
  });

  it('defaults before validating, as the API server does: a defaulted address type is then checked', () => {
    // ajv alone runs the oneOf (IPAddress needs an IP) before placing the `type: IPAddress` default.
    const object = {
      apiVersion: `${GW}/v1`,
      kind: 'Gateway',
      metadata: meta,
      spec: { gatewayClassName: 'p', addresses: [{ value: 'gw.example.com' }], listeners: [{ name: 'h', port: 80, protocol: 'HTTP' }] },
    };
    expect(validateResource(object, 'Gateway', 'v1')).toEqual({
      code: 'INVALID_FIELD',
      path: ['spec', 'addresses', 0, 'value'],
      detail: 'must be an IPv4 address or an IPv6 address (got "gw.example.com")',
    });
  });

  it('GRPCRoute and TCPRoute get their defaults too', () => {
    const grpc = defaulted('GRPCRoute', 'v1', {
      apiVersion: `${GW}/v1`,
      kind: 'GRPCRoute',
      metadata: meta,
      spec: { rules: [{ matches: [{ method: { service: 'echo.Echo' } }], backendRefs: [{ name: 'b', port: 9000 }] }] },
    });
    expect(grpc.spec.rules[0].matches[0].method.type).toBe('Exact');
    expect(grpc.spec.rules[0].backendRefs[0].weight).toBe(1);
    const tcp = defaulted('TCPRoute', 'v1alpha2', {
      apiVersion: `${GW}/v1alpha2`,
      kind: 'TCPRoute',
      metadata: meta,
      spec: { rules: [{ backendRefs: [{ name: 'b', port: 9000 }] }] },
    });
    expect(tcp.spec.rules[0].backendRefs[0]).toMatchObject({ group: '', kind: 'Service', weight: 1 });
  });
});

describe('versions', () => {
  it('every schema is valid JSON Schema (the validator skips that check at compile time)', () => {
    const metaSchemaCheck = new Ajv({ strict: false, logger: false });
    for (const kind of ALL_KINDS) {
      for (const version of KINDS[kind].versions) {
        const valid = metaSchemaCheck.validateSchema(validationSchema(kind, version) as SchemaObject);
        expect([kind, version, valid, metaSchemaCheck.errors ?? null]).toEqual([kind, version, true, null]);
      }
    }
  });

  it('has a schema for every accepted version of every watched kind', () => {
    for (const kind of ALL_KINDS) {
      for (const version of KINDS[kind].versions) {
        expect([kind, version, validationSchema(kind, version) !== undefined]).toEqual([kind, version, true]);
      }
    }
  });

  it.each([
    ['Gateway', 'v1beta1', { gatewayClassName: 'p', listeners: [{ name: 'h', port: 80, protocol: 'HTTP' }] }],
    ['HTTPRoute', 'v1beta1', { parentRefs: [{ name: 'eg' }] }],
    ['ReferenceGrant', 'v1beta1', { from: [{ group: GW, kind: 'HTTPRoute', namespace: 'a' }], to: [{ group: '', kind: 'Service' }] }],
    ['TLSRoute', 'v1alpha2', { hostnames: ['a.example.com'], rules: [{ backendRefs: [{ name: 'b', port: 443 }] }] }],
    ['TLSRoute', 'v1alpha3', { hostnames: ['a.example.com'], rules: [{ backendRefs: [{ name: 'b', port: 443 }] }] }],
    ['UDPRoute', 'v1alpha2', { rules: [{ backendRefs: [{ name: 'b', port: 53 }] }] }],
  ] as const)('accepts %s %s', (kind, version, spec) => {
    const object = { apiVersion: `${GW}/${version}`, kind, metadata: meta, spec: structuredClone(spec) };
    expect(validateResource(object, kind, version)).toBeUndefined();
  });
});

describe('validateResource messages', () => {
  const service = (spec: unknown) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec });

  it('accepts an int-or-string targetPort and rejects anything else', () => {
    expect(validateResource(service({ ports: [{ port: 80, targetPort: 'http' }] }), 'Service', 'v1')).toBeUndefined();
    expect(validateResource(service({ ports: [{ port: 80, targetPort: true }] }), 'Service', 'v1')?.detail).toBe(
      'must be an integer or a string',
    );
  });

  it('names exactly-one-of rules', () => {
    const ingress = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'i' },
      spec: { defaultBackend: { service: { name: 's', port: { name: 'http', number: 80 } } } },
    };
    expect(validateResource(ingress, 'Ingress', 'v1')).toEqual({
      code: 'INVALID_FIELD',
      path: ['spec', 'defaultBackend', 'service', 'port'],
      detail: 'must set exactly one of: name, number',
    });
  });

  it('uses Kubernetes names for formats and patterns', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { 'tls.crt': 'not base64!' } };
    // A Secret's value is never quoted back: error messages reach logs and /debug/status.
    expect(validateResource(secret, 'Secret', 'v1')?.detail).toBe('must be base64-encoded data (value not shown: Secret)');
    const key = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { 'tls.key': 42 } };
    expect(validateResource(key, 'Secret', 'v1')?.detail).toBe('must be string (value not shown: Secret)');
    expect(validateResource(service({}), 'Service', 'v1')).toBeUndefined();
    const badName = { ...service({}), metadata: { name: '1st' } };
    expect(validateResource(badName, 'Service', 'v1')?.detail).toMatch(/^must be a lowercase RFC 1035 label/);
  });
});

describe('defaultsOnly', () => {
  it('keeps only what places defaults, and never anyOf/oneOf (ajv would not default inside them)', () => {
    const schema: SchemaObject = {
      type: 'object',
      required: ['a'],
      properties: {
        a: { type: 'string', default: 'x', pattern: '^x' },
        b: { type: 'array', items: { properties: { c: { default: 1 }, d: { type: 'string' } } } },
        e: { oneOf: [{ required: ['f'] }], properties: { f: { type: 'string' } } },
      },
    };
    expect(defaultsOnly(schema)).toEqual({
      properties: { a: { default: 'x' }, b: { items: { properties: { c: { default: 1 } } } } },
    });
  });
});
