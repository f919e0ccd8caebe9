import { describe, expect, it } from '@jest/globals';
import { createClientRegistry } from './client-registry.js';

const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const at = new Date('2030-01-02T03:04:05.000Z');

describe('client registry', () => {
  it('follows a stream: node, pushes, the ACKed version, and a NACK that leaves it in place', () => {
    const registry = createClientRegistry({ now: () => at });
    const record = registry.open({ streamId: 'sotw-1', protocol: 'sotw', peer: '127.0.0.1:5000' });
    record({ kind: 'connected', node: { id: 'envoy-7', cluster: 'default/eg', userAgentName: 'envoy', userAgentVersion: '1.36.0' }, gateway: 'default/eg' });
    record({ kind: 'push', typeUrl: CDS, version: 'b-1', resources: 2, bytes: 40, removed: 0 });
    record({ kind: 'ack', typeUrl: CDS, version: 'b-1' });
    record({ kind: 'push', typeUrl: CDS, version: 'b-2', resources: 2, bytes: 41, removed: 0 });
    record({ kind: 'nack', typeUrl: CDS, version: 'b-2', message: 'cluster x: bad' });
    expect(registry.clients()).toEqual([
      {
        streamId: 'sotw-1',
        protocol: 'sotw',
        peer: '127.0.0.1:5000',
        nodeId: 'envoy-7',
        gateway: 'default/eg',
        userAgent: 'envoy/1.36.0',
        connectedAt: at.toISOString(),
        types: {
          [CDS]: {
            pushes: 2,
            nacks: 1,
            sentVersion: 'b-2',
            sentAt: at.toISOString(),
            ackedVersion: 'b-1',
            ackedAt: at.toISOString(),
            lastNack: { version: 'b-2', message: 'cluster x: bad', at: at.toISOString() },
          },
        },
      },
    ]);
  });

  it('forgets a stream when it closes, and hands out copies', () => {
    const registry = createClientRegistry();
    const one = registry.open({ streamId: 'sotw-1', protocol: 'sotw', peer: 'p1' });
    registry.open({ streamId: 'delta-2', protocol: 'delta', peer: 'p2' });
    one({ kind: 'push', typeUrl: CDS, version: 'v', resources: 1, bytes: 1, removed: 0 });
    const copy = registry.client('sotw-1')!;
    copy.types[CDS]!.pushes = 99;
    expect(registry.client('sotw-1')!.types[CDS]!.pushes).toBe(1);
    one({ kind: 'closed' });
    expect(registry.clients().map((c) => c.streamId)).toEqual(['delta-2']);
  });
});
