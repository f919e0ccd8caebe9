import type { Listener } from '@portico/resources';
import { markConflicts, markConflictsWithEarlier, markOverlappingTLSAcross } from './listener-conflicts.js';
import type { ListenerOwner, ListenerState, PortClass } from './listeners.js';

const GATEWAY: ListenerOwner = { kind: 'Gateway', namespace: 'infra', name: 'eg' };
const SET_A: ListenerOwner = { kind: 'ListenerSet', namespace: 'team-a', name: 'a' };
const SET_B: ListenerOwner = { kind: 'ListenerSet', namespace: 'team-b', name: 'b' };

const PORT_CLASS: Record<string, PortClass> = { HTTP: 'http', HTTPS: 'sni', TLS: 'sni', TCP: 'tcp', UDP: 'udp' };

/** A validated listener as listeners.ts would make it, without the parts conflicts do not read. */
function listener(owner: ListenerOwner, spec: Partial<Listener> & Pick<Listener, 'name' | 'port' | 'protocol'>): ListenerState {
  return { spec, owner, irName: spec.name, portClass: PORT_CLASS[spec.protocol], supportedKinds: [], unresolved: [], certificates: [], attachedRoutes: 0 };
}

describe('markConflictsWithEarlier (GEP-1713 listener precedence)', () => {
  it('leaves the earlier listener alone and conflicts the later one on the same port and hostname', () => {
    const gw = listener(GATEWAY, { name: 'web', port: 80, protocol: 'HTTP', hostname: 'a.com' });
    const ls = listener(SET_A, { name: 'web', port: 80, protocol: 'HTTP', hostname: 'a.com' });
    markConflicts([gw]);
    markConflictsWithEarlier([gw], [ls]);
    expect(gw.conflicted).toBeUndefined();
    expect(ls.conflicted).toEqual({ reason: 'HostnameConflict', message: expect.stringContaining('listener web of the parent Gateway') });
  });

  it('reports a protocol conflict before a hostname conflict, and none for a distinct hostname or port', () => {
    const gw = listener(GATEWAY, { name: 'web', port: 80, protocol: 'HTTP' });
    const tcp = listener(SET_A, { name: 'tcp', port: 80, protocol: 'TCP' });
    const otherHost = listener(SET_A, { name: 'other', port: 80, protocol: 'HTTP', hostname: 'b.com' });
    const otherPort = listener(SET_A, { name: 'alt', port: 8080, protocol: 'TCP' });
    markConflictsWithEarlier([gw], [tcp, otherHost, otherPort]);
    expect(tcp.conflicted?.reason).toBe('ProtocolConflict');
    expect(otherHost.conflicted).toBeUndefined();
    expect(otherPort.conflicted).toBeUndefined();
  });

  it('keeps UDP apart from TCP-based listeners on the same port number', () => {
    const gw = listener(GATEWAY, { name: 'dns-tcp', port: 53, protocol: 'TCP' });
    const udp = listener(SET_A, { name: 'dns', port: 53, protocol: 'UDP' });
    const udp2 = listener(SET_B, { name: 'dns', port: 53, protocol: 'UDP' });
    markConflictsWithEarlier([gw], [udp]);
    markConflictsWithEarlier([gw, udp], [udp2]);
    expect(udp.conflicted).toBeUndefined();
    expect(udp2.conflicted).toEqual({ reason: 'HostnameConflict', message: expect.stringContaining('UDP listeners cannot share a port') });
  });

  it('does not name the listener of another ListenerSet (other tenants stay private)', () => {
    const first = listener(SET_A, { name: 'secret-team-name', port: 443, protocol: 'HTTPS', hostname: 'x.com' });
    const second = listener(SET_B, { name: 'mine', port: 443, protocol: 'HTTPS', hostname: 'x.com' });
    markConflictsWithEarlier([first], [second]);
    expect(second.conflicted?.reason).toBe('HostnameConflict');
    expect(second.conflicted?.message).not.toContain('secret-team-name');
    expect(second.conflicted?.message).not.toContain('team-a');
  });

  it('skips listeners that are not accepted or already conflicted, on either side', () => {
    const refused = listener(GATEWAY, { name: 'refused', port: 80, protocol: 'HTTP' });
    refused.notAccepted = { reason: 'PortUnavailable', message: 'reserved' };
    const later = listener(SET_A, { name: 'web', port: 80, protocol: 'HTTP' });
    const alreadyConflicted = listener(SET_A, { name: 'tcp', port: 81, protocol: 'TCP' });
    alreadyConflicted.conflicted = { reason: 'ProtocolConflict', message: 'within the set' };
    const gw81 = listener(GATEWAY, { name: 'web81', port: 81, protocol: 'TCP' });
    markConflictsWithEarlier([refused, gw81], [later, alreadyConflicted]);
    expect(later.conflicted).toBeUndefined();
    expect(alreadyConflicted.conflicted?.message).toBe('within the set');
  });
});

describe('markOverlappingTLSAcross', () => {
  it('never names the listener of one ListenerSet in the status of another', () => {
    const a = listener(SET_A, { name: 'team-a-secret', port: 443, protocol: 'HTTPS', hostname: '*.example.com' });
    const b = listener(SET_B, { name: 'mine', port: 443, protocol: 'HTTPS', hostname: 'foo.example.com' });
    markOverlappingTLSAcross([a, b]);
    expect(b.overlapping?.message).toBe('hostname foo.example.com overlaps with a listener of another ListenerSet attached to the same Gateway (*.example.com)');
    expect(a.overlapping?.message).not.toContain('mine');
  });

  it('finds overlapping HTTPS hostnames across the Gateway and its ListenerSets, ignoring conflicted ones', () => {
    const wildcard = listener(GATEWAY, { name: 'wild', port: 443, protocol: 'HTTPS', hostname: '*.example.com' });
    const exact = listener(SET_A, { name: 'foo', port: 443, protocol: 'HTTPS', hostname: 'foo.example.com' });
    const conflicted = listener(SET_B, { name: 'bar', port: 443, protocol: 'HTTPS', hostname: 'bar.example.com' });
    conflicted.conflicted = { reason: 'HostnameConflict', message: 'lost' };
    conflicted.overlapping = { reason: 'OverlappingHostnames', message: 'stale' };
    const otherPort = listener(SET_B, { name: 'baz', port: 8443, protocol: 'HTTPS', hostname: 'baz.example.com' });
    markOverlappingTLSAcross([wildcard, exact, conflicted, otherPort]);
    // The Gateway's status may name the ListenerSet it admitted; the set sees the parent's listener.
    expect(wildcard.overlapping?.message).toBe('hostname *.example.com overlaps with listener foo of ListenerSet team-a/a (foo.example.com)');
    expect(exact.overlapping?.message).toBe('hostname foo.example.com overlaps with listener wild of the parent Gateway (*.example.com)');
    expect(conflicted.overlapping).toBeUndefined();
    expect(otherPort.overlapping).toBeUndefined();
  });
});
