import { describe, expect, it } from '@jest/globals';
import type { TranslationResult } from '@portico/translator';
import type { ClientInfo, ClientTypeState } from '@portico/xds-server';
import type { DiagnoseInput, QuarantinedRoute } from '../../findings.js';
import { checkDataPlane } from './data-plane.js';

const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const RDS = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const NOW = new Date('2026-01-01T00:01:00Z');
const GATEWAY = 'default/eg';

const acked = (version: string): ClientTypeState => ({ pushes: 1, nacks: 0, sentVersion: version, sentAt: '2026-01-01T00:00:00.000Z', ackedVersion: version, ackedAt: '2026-01-01T00:00:00.100Z' });

function client(over: Partial<ClientInfo> = {}): ClientInfo {
  return {
    streamId: 'delta-1',
    protocol: 'delta',
    peer: '127.0.0.1:40000',
    nodeId: 'envoy-a',
    gateway: GATEWAY,
    userAgent: 'envoy/1.40.0',
    connectedAt: '2026-01-01T00:00:00.000Z',
    types: { [LDS]: acked('b-1'), [CDS]: acked('b-1'), [RDS]: acked('b-2') },
    ...over,
  };
}

function input(clients: ClientInfo[] | undefined, over: Partial<DiagnoseInput> = {}): DiagnoseInput {
  const gateways = new Map([[GATEWAY, {}], ['ingressclass/portico', {}]]) as unknown as TranslationResult['gateways'];
  return {
    resources: undefined as never,
    translation: { gateways } as TranslationResult,
    ...(clients ? { clients } : {}),
    servedVersions: new Map([[GATEWAY, 'b-2']]),
    now: NOW,
    ...over,
  };
}

const summary = (findings: ReturnType<typeof checkDataPlane>) => findings.map((f) => `${f.level} ${f.gateway ?? '-'} ${f.object.kind}/${f.object.name} ${f.code}`);

describe('data-plane check', () => {
  it('judges nothing offline, where no proxy can be connected', () => {
    expect(checkDataPlane(input(undefined))).toEqual([]);
  });

  it('fails a gateway no Envoy serves, naming the bootstrap that would', () => {
    const findings = checkDataPlane(input([client()]));
    expect(summary(findings)).toEqual(['FAIL ingressclass/portico IngressClass/portico NoProxyConnected', 'OK default/eg Envoy/envoy-a ConfigAcked']);
    expect(findings[0]!.fix).toContain('portico bootstrap --gateway ingressclass/portico');
  });

  it('is OK for an Envoy that ACKed what it was sent last of every type, even older versions of unchanged types', () => {
    const [, ok] = checkDataPlane(input([client()]));
    expect(ok!.message).toBe(
      'node "envoy-a" (delta xDS from 127.0.0.1:40000, envoy/1.40.0) runs the current config: it ACKed what it was sent last of every type (LDS b-1, RDS b-2, CDS b-1); the gateway is served at version b-2',
    );
  });

  it('warns about an Envoy still behind, with how long ago the version was sent', () => {
    const behind: ClientTypeState = { ...acked('b-1'), sentVersion: 'b-2', sentAt: '2026-01-01T00:00:48.000Z' };
    const [, finding] = checkDataPlane(input([client({ types: { [LDS]: acked('b-1'), [RDS]: behind } })]));
    expect(finding).toMatchObject({ level: 'WARN', code: 'AckPending' });
    expect(finding!.message).toBe('node "envoy-a" (delta xDS from 127.0.0.1:40000, envoy/1.40.0) has not yet ACKed RDS version b-2, sent 12s ago (it runs version b-1)');
  });

  it('fails an Envoy that refused the latest version of a type, with its error text and the version it still runs', () => {
    const nacked: ClientTypeState = { ...acked('b-1'), sentVersion: 'b-2', nacks: 1, lastNack: { version: 'b-2', message: 'invalid repetition size: {1001}', at: '2026-01-01T00:00:01.000Z' } };
    const [, finding] = checkDataPlane(input([client({ types: { [LDS]: acked('b-1'), [RDS]: nacked } })]));
    expect(finding).toMatchObject({ level: 'FAIL', code: 'ConfigRejected', gateway: GATEWAY });
    expect(finding!.message).toBe('node "envoy-a" (delta xDS from 127.0.0.1:40000, envoy/1.40.0) refused RDS version b-2 (it runs version b-1): invalid repetition size: {1001}');
  });

  it('is OK again once a later version of the refused type was ACKed', () => {
    const recovered: ClientTypeState = { ...acked('b-3'), nacks: 1, lastNack: { version: 'b-2', message: 'bad', at: '2026-01-01T00:00:01.000Z' } };
    const [, finding] = checkDataPlane(input([client({ types: { [RDS]: recovered } })]));
    expect(finding).toMatchObject({ level: 'OK', code: 'ConfigAcked' });
  });

  it('warns about an Envoy connected but sent nothing (it subscribed to nothing)', () => {
    const [, finding] = checkDataPlane(input([client({ types: {} })]));
    expect(finding).toMatchObject({ level: 'WARN', code: 'NothingSent' });
    expect(finding!.message).toContain('was sent nothing: it subscribed to no resource');
  });

  it('fails Envoys naming no gateway or one that does not exist, listing the gateways served', () => {
    const findings = checkDataPlane(input([client({ gateway: undefined, nodeId: 'anon', types: {} }), client({ gateway: 'default/typo', nodeId: 'lost', types: {} })]));
    expect(summary(findings)).toEqual([
      'FAIL default/eg Gateway/eg NoProxyConnected',
      'FAIL ingressclass/portico IngressClass/portico NoProxyConnected',
      'FAIL - Envoy/anon NoGatewayNamed',
      'FAIL default/typo Envoy/lost UnknownGateway',
    ]);
    expect(findings[3]).toMatchObject({ field: 'node.cluster' });
    expect(findings[3]!.fix).toBe(`set node.cluster to the "namespace/name" of a Gateway of Portico's GatewayClass; gateways served: default/eg, ingressclass/portico`);
  });

  it('names an Envoy by its stream when it sent no node id, and a proxyless gRPC client as such', () => {
    const [, finding] = checkDataPlane(input([client({ nodeId: undefined, userAgent: undefined })]));
    expect(finding!.object).toEqual({ kind: 'Envoy', name: 'delta-1' });
    expect(finding!.message.startsWith('stream delta-1 (delta xDS from 127.0.0.1:40000) runs')).toBe(true);
    const [, grpc] = checkDataPlane(input([client({ nodeId: 'checkout', userAgent: 'grpc-node-js/1.14.1' })]));
    expect(grpc!.object).toEqual({ kind: 'xDSClient', name: 'checkout' });
  });

  it('fails each quarantined route rule with the Envoy error', () => {
    const entry: QuarantinedRoute = {
      gateway: GATEWAY,
      kind: 'HTTPRoute',
      namespace: 'team-a',
      name: 'a',
      rule: 1,
      typeUrl: RDS,
      version: 'b-2',
      refusedBy: 'envoy-a',
      error: 'invalid repetition size: {1001}',
      since: '2026-01-01T00:00:01.000Z',
    };
    const findings = checkDataPlane(input([client()], { quarantined: [entry] }));
    expect(findings.at(-1)).toEqual({
      level: 'FAIL',
      link: 'DataPlane',
      gateway: GATEWAY,
      object: { kind: 'HTTPRoute', namespace: 'team-a', name: 'a' },
      field: 'spec.rules[1]',
      code: 'RouteQuarantined',
      message: `Envoy envoy-a refused rule 1 (RDS version b-2): invalid repetition size: {1001}; it is left out of the gateway's config since 2026-01-01T00:00:01.000Z`,
      fix: 'correct rule 1 so that Envoy accepts it: any change to it releases the quarantine and it is tried again',
    });
  });
});
