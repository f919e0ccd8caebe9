import { envoyProtos } from '@portico/envoy';
import { createDeltaResponseCodec } from './delta-response-codec.js';
import type { AnyResource, DeltaDiscoveryResponse, DeltaResource } from './types.js';

const TYPE = 'envoy.service.discovery.v3.DeltaDiscoveryResponse';
const ROUTES = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const toWireAny = (any: AnyResource) => ({ type_url: any.typeUrl, value: any.value });

function routeConfig(name: string): DeltaResource {
  const type = envoyProtos().lookupType('envoy.config.route.v3.RouteConfiguration');
  return { name, version: `${name}-1`, resource: { typeUrl: ROUTES, value: type.encode({ name, virtualHosts: [{ name: `${name}-vh`, domains: ['*'] }] }).finish() } };
}

function decode(bytes: Uint8Array) {
  const type = envoyProtos().lookupType(TYPE);
  return type.toObject(type.decode(bytes), { defaults: false, bytes: Buffer });
}

const codecOf = () => createDeltaResponseCodec(envoyProtos().lookupType(TYPE), toWireAny);

describe('delta response encoding shared between streams', () => {
  const resources = [routeConfig('a'), routeConfig('b')];
  const removed = ['gone'];
  const response = (nonce: string, over: Partial<DeltaDiscoveryResponse> = {}): DeltaDiscoveryResponse => ({
    systemVersionInfo: 'v1',
    resources,
    typeUrl: ROUTES,
    removedResources: [],
    nonce,
    controlPlane: { identifier: 'portico-0' },
    ...over,
  });

  it('decodes to exactly the response, nonce included, as a whole-message encode does', () => {
    const codec = codecOf();
    const type = envoyProtos().lookupType(TYPE);
    const cases = [response('7'), response(''), response('8', { resources: [], removedResources: removed }), response('9', { controlPlane: undefined }), response('10', { removedResources: removed })];
    for (const r of cases) {
      const whole = Buffer.from(type.encode({ ...r, resources: r.resources.map((d) => ({ ...d, resource: toWireAny(d.resource) })) }).finish());
      expect(decode(codec.serialize(r))).toEqual(decode(whole));
      // Same fields, same bytes: only the nonce moved to the end.
      expect(codec.serialize(r).byteLength).toBe(whole.byteLength);
    }
  });

  it('encodes the body once per shared diff whatever the number of streams', () => {
    const codec = codecOf();
    // Each frame decoded at once, as grpc-js copies it at once: the next call rewrites its nonce in place.
    const nonces = Array.from({ length: 1000 }, (_, i) => decode(codec.serialize(response(String(i)))).nonce);
    expect(codec.bodiesEncoded()).toBe(1);
    expect(nonces).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
    // Another version, type URL, removal list or resource list: each is a body of its own.
    codec.serialize(response('1', { systemVersionInfo: 'v2' }));
    codec.serialize(response('1', { systemVersionInfo: 'v2', typeUrl: `${ROUTES}x` }));
    codec.serialize(response('1', { systemVersionInfo: 'v2', typeUrl: `${ROUTES}x`, removedResources: removed }));
    codec.serialize(response('1', { resources: [resources[0]!] }));
    expect(codec.bodiesEncoded()).toBe(5);
    // An equal removal list in another array is the same body.
    codec.serialize(response('2', { systemVersionInfo: 'v2', typeUrl: `${ROUTES}x`, removedResources: [...removed] }));
    expect(codec.bodiesEncoded()).toBe(5);
  });
});
