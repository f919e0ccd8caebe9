import { envoyProtos } from '@portico/envoy';
import { createSotwResponseCodec } from './sotw-response-codec.js';
import type { AnyResource, DiscoveryResponse } from './types.js';

const TYPE = 'envoy.service.discovery.v3.DiscoveryResponse';
const ROUTES = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const toWireAny = (any: AnyResource) => ({ type_url: any.typeUrl, value: any.value });

function routeConfig(name: string): AnyResource {
  const type = envoyProtos().lookupType('envoy.config.route.v3.RouteConfiguration');
  return { typeUrl: ROUTES, value: type.encode({ name, virtualHosts: [{ name: `${name}-vh`, domains: ['*'] }] }).finish() };
}

function decode(bytes: Buffer) {
  const type = envoyProtos().lookupType(TYPE);
  return type.toObject(type.decode(bytes), { defaults: false, bytes: Buffer });
}

describe('SotW response encoding shared between streams', () => {
  const resources = [routeConfig('a'), routeConfig('b')];
  const response = (nonce: string, over: Partial<DiscoveryResponse> = {}): DiscoveryResponse => ({
    versionInfo: 'v1',
    resources,
    typeUrl: ROUTES,
    nonce,
    controlPlane: { identifier: 'portico-0' },
    ...over,
  });

  it('decodes to exactly the response, nonce included, as a whole-message encode does', () => {
    const codec = createSotwResponseCodec(envoyProtos().lookupType(TYPE), toWireAny);
    const type = envoyProtos().lookupType(TYPE);
    for (const r of [response('7'), response(''), response('8', { resources: [] }), response('9', { controlPlane: undefined })]) {
      const whole = Buffer.from(type.encode({ ...r, resources: r.resources.map(toWireAny) }).finish());
      expect(decode(codec.serialize(r))).toEqual(decode(whole));
      // Same fields, same bytes: only the nonce moved to the end.
      expect(codec.serialize(r).byteLength).toBe(whole.byteLength);
    }
  });

  it('encodes the body once per (version, selection) whatever the number of streams', () => {
    const codec = createSotwResponseCodec(envoyProtos().lookupType(TYPE), toWireAny);
    // Each frame decoded at once, as grpc-js copies it at once: the next call rewrites its nonce in place.
    const nonces = Array.from({ length: 1000 }, (_, i) => decode(codec.serialize(response(String(i)))).nonce);
    expect(codec.bodiesEncoded()).toBe(1);
    expect(nonces).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
    // A new version of the same list, another list, another type URL: each is a body of its own.
    codec.serialize(response('1', { versionInfo: 'v2' }));
    codec.serialize(response('1', { resources: [resources[0]!] }));
    codec.serialize(response('1', { versionInfo: 'v2', typeUrl: `${ROUTES}x` }));
    expect(codec.bodiesEncoded()).toBe(4);
  });

  it('writes nonces of any length after the shared body, a longer one after a shorter one', () => {
    const codec = createSotwResponseCodec(envoyProtos().lookupType(TYPE), toWireAny);
    const type = envoyProtos().lookupType(TYPE);
    for (const nonce of ['1', 'n'.repeat(200), '', '22', 'x'.repeat(1000), '3']) {
      const r = response(nonce);
      const whole = Buffer.from(type.encode({ ...r, resources: r.resources.map(toWireAny) }).finish());
      const frame = codec.serialize(r);
      expect(decode(frame)).toEqual(decode(whole));
      expect(frame.byteLength).toBe(whole.byteLength);
    }
    expect(codec.bodiesEncoded()).toBe(1);
  });
});
