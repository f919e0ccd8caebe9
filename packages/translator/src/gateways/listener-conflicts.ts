/**
 * Conflicts between the listeners of one Gateway (gateway_types.go ListenerConditionConflicted):
 * listeners on one port must be able to share it. HTTP shares only with HTTP, HTTPS and TLS share
 * by SNI, TCP never shares; UDP is its own transport. Within a sharing group, hostnames must differ.
 * Every conflicted listener is rejected, so a conflict never silently picks a winner.
 */
import { hostnameMatches, isWildcard } from '../routes/hostnames.js';
import type { ListenerState } from './listeners.js';

export function markConflicts(listeners: ListenerState[]): void {
  const byPort = new Map<string, ListenerState[]>();
  for (const l of listeners) {
    if (!l.portClass || l.notAccepted) continue;
    const transport = l.portClass === 'udp' ? 'udp' : 'tcp';
    const key = `${transport}/${l.spec.port}`;
    const list = byPort.get(key);
    if (list) list.push(l);
    else byPort.set(key, [l]);
  }
  for (const group of byPort.values()) {
    const classes = new Set(group.map((l) => l.portClass));
    if (classes.size > 1) {
      for (const l of group) {
        const others = group.filter((o) => o.portClass !== l.portClass).map((o) => `${o.spec.name} (${o.spec.protocol})`);
        l.conflicted = {
          reason: 'ProtocolConflict',
          message: `port ${l.spec.port} is also used by listener ${others.join(', ')} with an incompatible protocol`,
        };
      }
      continue;
    }
    for (const l of group) {
      const same = group.filter((o) => o !== l && (o.spec.hostname ?? '') === (l.spec.hostname ?? ''));
      if (same.length > 0) {
        const others = same.map((o) => o.spec.name).join(', ');
        l.conflicted = {
          reason: 'HostnameConflict',
          // TCP and UDP have no hostname to tell listeners apart: the port alone must be distinct.
          message:
            l.portClass === 'tcp' || l.portClass === 'udp'
              ? `listener ${others} also uses port ${l.spec.port}, and ${l.spec.protocol} listeners cannot share a port`
              : `listener ${others} uses the same port ${l.spec.port} and hostname ${l.spec.hostname || '(none)'}`,
        };
      }
    }
    markOverlappingTLS(group.filter((l) => !l.conflicted && l.spec.protocol === 'HTTPS'));
  }
}

/**
 * OverlappingTLSConfig (negative polarity, set only when true): HTTPS listeners whose hostnames
 * overlap, e.g. `*.example.com` and `foo.example.com`, can see coalesced connections use the wrong
 * listener's certificate and routes.
 */
function markOverlappingTLS(https: ListenerState[]): void {
  for (const l of https) {
    const h = l.spec.hostname;
    if (!h) continue;
    const overlaps = https.filter((o) => {
      const oh = o.spec.hostname;
      return o !== l && !!oh && ((isWildcard(h) && hostnameMatches(h, oh)) || (isWildcard(oh) && hostnameMatches(oh, h)));
    });
    if (overlaps.length > 0) {
      l.overlapping = {
        reason: 'OverlappingHostnames',
        message: `hostname ${h} overlaps with ${overlaps.map((o) => `${describeListener(o, l)} (${o.spec.hostname})`).join(', ')}`,
      };
    }
  }
}

/**
 * GEP-1713 Listener precedence: a Gateway and the ListenerSets attached to it are one list of
 * listeners (the Gateway's first, then each ListenerSet oldest first, then by `namespace/name`), and a
 * conflict is settled in favour of the listener earlier in that list: "the first Listener on the
 * precedence list MUST be accepted … while the conflicting listeners MUST have a Conflicted condition".
 * So each of `later` (one ListenerSet's listeners, already checked among themselves by markConflicts)
 * that cannot share its port with a listener of `earlier` is conflicted, and the earlier one is left
 * alone. The caller decides what is earlier: every listener the Gateway declares (conflicted or not: a
 * ListenerSet never takes over a port and hostname its Gateway declares), and the listeners of earlier
 * ListenerSets that were not conflicted.
 */
export function markConflictsWithEarlier(earlier: readonly ListenerState[], later: readonly ListenerState[]): void {
  for (const l of later) {
    if (!l.portClass || l.notAccepted || l.conflicted) continue;
    const samePort = earlier.filter((o) => o.portClass && !o.notAccepted && transportOf(o) === transportOf(l) && o.spec.port === l.spec.port);
    const incompatible = samePort.filter((o) => o.portClass !== l.portClass);
    if (incompatible.length > 0) {
      l.conflicted = {
        reason: 'ProtocolConflict',
        message: `port ${l.spec.port} is already used with an incompatible protocol by ${describeEarlier(incompatible[0]!, l)}, which takes precedence`,
      };
      continue;
    }
    const sameHost = samePort.filter((o) => (o.spec.hostname ?? '') === (l.spec.hostname ?? ''));
    if (sameHost.length > 0) {
      l.conflicted = {
        reason: 'HostnameConflict',
        message:
          l.portClass === 'tcp' || l.portClass === 'udp'
            ? `port ${l.spec.port} is already used by ${describeEarlier(sameHost[0]!, l)}, which takes precedence, and ${l.spec.protocol} listeners cannot share a port`
            : `port ${l.spec.port} and hostname ${l.spec.hostname || '(none)'} are already used by ${describeEarlier(sameHost[0]!, l)}, which takes precedence`,
      };
    }
  }
}

/**
 * Recomputes OverlappingTLSConfig over a Gateway's merged listeners (its own and its ListenerSets'),
 * port by port, among the HTTPS listeners that are neither rejected nor conflicted.
 */
export function markOverlappingTLSAcross(listeners: readonly ListenerState[]): void {
  const byPort = new Map<number, ListenerState[]>();
  for (const l of listeners) {
    delete l.overlapping;
    if (l.spec.protocol !== 'HTTPS' || l.notAccepted || l.conflicted) continue;
    const list = byPort.get(l.spec.port);
    if (list) list.push(l);
    else byPort.set(l.spec.port, [l]);
  }
  for (const group of byPort.values()) markOverlappingTLS(group);
}

function transportOf(l: ListenerState): 'tcp' | 'udp' {
  return l.portClass === 'udp' ? 'udp' : 'tcp';
}

/** The earlier listener a conflict was settled for, as describeListener names it. */
function describeEarlier(earlier: ListenerState, l: ListenerState): string {
  const other = describeListener(earlier, l);
  return earlier.owner.kind === 'ListenerSet' && !sameOwner(earlier, l) ? `${other} (older, or created at the same time and first by namespace/name)` : other;
}

/**
 * Names `other` in the status of `l` without telling one tenant about another's: "Implementations
 * SHOULD be cautious about what information from the parent or siblings are reported" (ListenerSet
 * listeners). Listeners of the same object are named; the Gateway's are named to its ListenerSets (the
 * parent is no secret to them); a ListenerSet's are named to the Gateway (its owner admitted them) but
 * not to another ListenerSet.
 */
function describeListener(other: ListenerState, l: ListenerState): string {
  if (sameOwner(other, l)) return `listener ${other.spec.name}`;
  if (other.owner.kind === 'Gateway') return `listener ${other.spec.name} of the parent Gateway`;
  if (l.owner.kind === 'Gateway') return `listener ${other.spec.name} of ListenerSet ${other.owner.namespace}/${other.owner.name}`;
  return 'a listener of another ListenerSet attached to the same Gateway';
}

function sameOwner(a: ListenerState, b: ListenerState): boolean {
  return a.owner.kind === b.owner.kind && a.owner.namespace === b.owner.namespace && a.owner.name === b.owner.name;
}
