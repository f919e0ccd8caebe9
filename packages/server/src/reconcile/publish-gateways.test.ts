import { TYPE_URLS } from '@portico/envoy';
import type { GatewayIR, HTTPListenerIR } from '@portico/ir';
import { ResourceSet } from '@portico/resources';
import { translate } from '@portico/translator';
import { buildXds } from '@portico/xds';
import { demoObjects, GATEWAY, type DemoOptions } from '../fixtures.test-util.js';
import { SHARED, sharedIR, type RouteSpec } from '../isolation/nack-fixtures.test-util.js';
import { createXdsPublisher } from './publish-gateways.js';
import { createQuarantine } from '../isolation/quarantine.js';
import { routeUnits, unitFingerprint } from '../isolation/route-units.js';

function gatewaysOf(options: DemoOptions = {}): Map<string, GatewayIR> {
  return translate(ResourceSet.from(demoObjects(options))).gateways;
}

function irOf(options: DemoOptions = {}): GatewayIR {
  return gatewaysOf(options).get(GATEWAY)!;
}

describe('createXdsPublisher', () => {
  it('publishes Envoy resources to wildcard subscribers and proxyless ones by name only', () => {
    const publisher = createXdsPublisher({ bootId: 'boot' });
    const ir = irOf();
    const result = publisher.publishGateway(GATEWAY, ir);
    expect(result).toEqual({ gateway: GATEWAY, outcome: 'published', published: true, problems: [], version: 'boot-1', ir });
    const listeners = publisher.cache.snapshot(GATEWAY)!.resources.get(TYPE_URLS.listener)!;
    expect([...listeners.values()].map((r) => [r.name, r.wildcard])).toEqual([
      ['default/gw/http-8080', true],
      ['echo.test:8080', false],
    ]);
    // Clusters and endpoints are shared by Envoy and proxyless clients.
    const clusters = publisher.cache.snapshot(GATEWAY)!.resources.get(TYPE_URLS.cluster)!;
    expect([...clusters.values()].every((r) => r.wildcard)).toBe(true);
  });

  it('publishes a change of endpoints only by rebuilding those backends, with the same result as a full build', () => {
    const ir = irOf();
    const moved: GatewayIR = { ...ir, backends: ir.backends.map((b, i) => (i === 0 ? { ...b, endpoints: [{ address: '10.9.9.9', port: 9999 }] } : b)) };
    const incremental = createXdsPublisher({ bootId: 'boot' });
    incremental.publishGateway(GATEWAY, ir);
    const before = incremental.cache.snapshot(GATEWAY)!;
    expect(incremental.publishGateway(GATEWAY, moved)).toMatchObject({ outcome: 'published', version: 'boot-2' });
    const full = createXdsPublisher({ bootId: 'boot' });
    full.publishGateway(GATEWAY, moved);
    const versions = (p: typeof incremental) =>
      [...p.cache.snapshot(GATEWAY)!.resources].map(([type, byName]) => [type, [...byName.values()].map((r) => [r.name, r.version, r.wildcard])]);
    expect(versions(incremental)).toEqual(versions(full));
    // What /debug/xds prints (servedResources) follows the patch too.
    const served = (p: typeof incremental) =>
      (['listeners', 'routes', 'clusters', 'endpoints', 'secrets'] as const).map((kind) => p.servedResources().get(GATEWAY)![kind].map((r) => [r.name, r.version]));
    expect(served(incremental)).toEqual(served(full));
    expect(JSON.stringify(served(incremental))).toContain(incremental.cache.snapshot(GATEWAY)!.resources.get(TYPE_URLS.endpoint)!.get(ir.backends[0]!.name)!.version);
    // Only the moved backend's endpoint set is a new instance.
    const after = incremental.cache.snapshot(GATEWAY)!;
    const changed = [...after.resources].flatMap(([type, byName]) => [...byName.values()].filter((r) => before.resources.get(type)?.get(r.name) !== r).map((r) => r.name));
    expect(changed).toEqual([ir.backends[0]!.name]);
  });

  it('patches the UDP listener cluster of a split when one of its backends moves, as a full build would', () => {
    const backend = (name: string, address: string): GatewayIR['backends'][number] => ({
      name: `default/${name}/53/udp`,
      service: { namespace: 'default', name, port: 53 },
      protocol: 'UDP',
      endpoints: [{ address, port: 5353 }],
    });
    const ir: GatewayIR = {
      name: 'default/dns',
      gatewayClass: 'portico',
      backends: [backend('a', '10.0.0.1'), backend('b', '10.0.0.2')],
      listeners: [
        {
          type: 'UDP',
          name: 'udp-53',
          address: '0.0.0.0',
          port: 53,
          sources: ['dns'],
          route: {
            name: 'UDPRoute/default/dns',
            source: { kind: 'UDPRoute', namespace: 'default', name: 'dns' },
            destination: { backends: [{ weight: 70, backend: 'default/a/53/udp' }, { weight: 30, backend: 'default/b/53/udp' }] },
          },
        },
      ],
    };
    const moved: GatewayIR = { ...ir, backends: [ir.backends[0]!, backend('b', '10.0.9.9')] };
    const incremental = createXdsPublisher({ bootId: 'boot' });
    incremental.publishGateway('default/dns', ir);
    const before = incremental.cache.snapshot('default/dns')!;
    expect(incremental.publishGateway('default/dns', moved)).toMatchObject({ outcome: 'published', version: 'boot-2' });
    const full = createXdsPublisher({ bootId: 'boot' });
    full.publishGateway('default/dns', moved);
    const versions = (p: typeof incremental) =>
      [...p.cache.snapshot('default/dns')!.resources].map(([type, byName]) => [type, [...byName.values()].map((r) => [r.name, r.version])]);
    expect(versions(incremental)).toEqual(versions(full));
    const after = incremental.cache.snapshot('default/dns')!;
    const changed = [...after.resources].flatMap(([type, byName]) => [...byName.values()].filter((r) => before.resources.get(type)?.get(r.name) !== r).map((r) => r.name));
    expect(changed).toEqual(['portico/udp/default/dns/udp-53']);
  });

  it('reports an identical candidate as unchanged, and a change as a new version reusing unchanged resources', () => {
    const publisher = createXdsPublisher({ bootId: 'boot' });
    publisher.publishGateway(GATEWAY, irOf());
    const before = publisher.cache.snapshot(GATEWAY)!;
    expect(publisher.publishGateway(GATEWAY, irOf())).toMatchObject({ outcome: 'unchanged', published: false, problems: [], version: 'boot-1' });

    expect(publisher.publishGateway(GATEWAY, irOf({ headerValue: 'beta' }))).toMatchObject({ outcome: 'published', version: 'boot-2' });
    const after = publisher.cache.snapshot(GATEWAY)!;
    const cluster = (s: typeof before) => [...s.resources.get(TYPE_URLS.cluster)!.values()][0];
    expect(cluster(after)).toBe(cluster(before));
    const route = (s: typeof before) => s.resources.get(TYPE_URLS.route)!.get('default/gw/proxyless/echo.test:8080');
    expect(route(after)!.version).not.toBe(route(before)!.version);
  });

  it('refuses an inconsistent candidate and keeps serving the last good snapshot', () => {
    let broken = false;
    const publisher = createXdsPublisher({
      bootId: 'boot',
      build: (ir) => {
        const resources = buildXds(ir, { proxyless: true });
        // A listener naming a route table that is not in the snapshot.
        return broken ? { ...resources, routes: resources.routes.filter((r) => r.name !== 'default/gw/http-8080') } : resources;
      },
    });
    publisher.publishGateway(GATEWAY, irOf());
    broken = true;
    const result = publisher.publishGateway(GATEWAY, irOf({ headerValue: 'beta' }));
    expect(result.outcome).toBe('rejected');
    expect(result.problems.join('\n')).toMatch(/default\/gw\/http-8080/);
    expect(result.version).toBe('boot-1');
    expect(publisher.cache.snapshot(GATEWAY)!.version).toBe('boot-1');
  });

  it('turns an exception while building into an error result, keeping the last good snapshot', () => {
    let fail = false;
    const publisher = createXdsPublisher({
      bootId: 'boot',
      build: (ir) => {
        if (fail) throw new Error('boom');
        return buildXds(ir, { proxyless: true });
      },
    });
    publisher.publishGateway(GATEWAY, irOf());
    fail = true;
    const result = publisher.publishGateway(GATEWAY, irOf({ headerValue: 'beta' }));
    expect(result).toMatchObject({ outcome: 'error', published: false, problems: ['boom'], version: 'boot-1' });
    expect(result.error).toBeInstanceOf(Error);
    expect(publisher.cache.snapshot(GATEWAY)!.version).toBe('boot-1');
  });

  it('publishes every gateway and deletes the snapshots of gateways that are gone', () => {
    const publisher = createXdsPublisher({ bootId: 'boot' });
    const first = publisher.publishGateways(new Map([...gatewaysOf(), ...gatewaysOf({ gatewayName: 'other' })]));
    expect(first.results.map((r) => [r.gateway, r.outcome])).toEqual([
      [GATEWAY, 'published'],
      ['default/other', 'published'],
    ]);
    expect(first.removed).toEqual([]);

    const second = publisher.publishGateways(gatewaysOf());
    expect(second.results.map((r) => [r.gateway, r.outcome])).toEqual([[GATEWAY, 'unchanged']]);
    expect(second.removed).toEqual(['default/other']);
    expect(publisher.cache.gateways()).toEqual([GATEWAY]);
  });
});

describe('createXdsPublisher with a quarantine', () => {
  const A: RouteSpec = { namespace: 'team-a', name: 'a', rules: [{ path: '/a' }, { path: '/bad' }] };
  const B: RouteSpec = { namespace: 'team-b', name: 'b', rules: [{ path: '/b' }] };
  const routeNames = (publisher: ReturnType<typeof createXdsPublisher>) =>
    (publisher.irOfVersion(SHARED, publisher.cache.snapshot(SHARED)!.version)!.listeners[0] as HTTPListenerIR).virtualHosts.flatMap((v) => v.routes.map((r) => r.name));

  it('publishes the same IR again without the quarantined rule, and with it once its object changed', () => {
    const quarantine = createQuarantine();
    const publisher = createXdsPublisher({ bootId: 'boot', quarantine });
    const ir = sharedIR([A, B]);
    expect(publisher.publishGateway(SHARED, ir)).toMatchObject({ outcome: 'published', version: 'boot-1' });
    const unit = 'HTTPRoute/team-a/a/rule/1';
    quarantine.add([
      {
        gateway: SHARED, unit, kind: 'HTTPRoute', namespace: 'team-a', name: 'a', rule: 1,
        fingerprint: unitFingerprint(routeUnits(ir).get(unit)!),
        typeUrl: TYPE_URLS.route, version: 'boot-1', refusedBy: 'envoy-1', error: 'refused', probes: 0, since: '',
      },
    ]);
    const contained = publisher.publishGateway(SHARED, ir);
    expect(contained).toMatchObject({ outcome: 'published', version: 'boot-2' });
    expect(routeNames(publisher).some((name) => name.includes('team-a/a/rule/1'))).toBe(false);
    expect(contained.ir).toBe(publisher.irOfVersion(SHARED, 'boot-2'));
    expect(publisher.publishGateway(SHARED, ir)).toMatchObject({ outcome: 'unchanged', version: 'boot-2' });

    const fixed = publisher.publishGateway(SHARED, sharedIR([{ ...A, rules: [A.rules[0]!, { path: '/fixed' }] }, B]));
    expect(fixed).toMatchObject({ outcome: 'published', version: 'boot-3', released: [expect.objectContaining({ unit })] });
    expect(routeNames(publisher).some((name) => name.includes('team-a/a/rule/1'))).toBe(true);
  });

  it('builds a probe for one client: the served snapshot with probe route tables and every cluster either needs', () => {
    const publisher = createXdsPublisher({ bootId: 'boot' });
    publisher.publishGateway(SHARED, sharedIR([B]));
    const served = publisher.cache.snapshot(SHARED)!;
    const probe = publisher.probeSnapshot(SHARED, sharedIR([A, B]), 'boot-1~probe-1')!;
    expect(probe.version).toBe('boot-1~probe-1');
    expect(publisher.cache.snapshot(SHARED)).toBe(served);
    expect(probe.resources.get(TYPE_URLS.listener)).toBe(served.resources.get(TYPE_URLS.listener));
    expect(probe.resources.get(TYPE_URLS.route)!.get('default/shared/http-8080')!.version).not.toBe(served.resources.get(TYPE_URLS.route)!.get('default/shared/http-8080')!.version);
    expect([...probe.resources.get(TYPE_URLS.cluster)!.keys()]).toEqual(['team-a/echo/80/http', 'team-b/echo/80/http']);
    expect(publisher.irOfVersion(SHARED, 'boot-1~probe-1')).toBeDefined();
    expect(publisher.probeSnapshot('default/none', sharedIR([B]), 'x')).toBeUndefined();
  });
});
