/**
 * Conflicts between the listeners of one Gateway (gateway_types.go ListenerConditionConflicted):
 * listeners on one port must be able to share it. HTTP shares only with HTTP, HTTPS and TLS share
 * by SNI, TCP never shares; UDP is its own transport. Within a sharing group, hostnames must differ.
 * Every conflicted listener is rejected, so a conflict never silently picks a winner.
 */
import { hostnameMatches, isWildcard } from './hostnames.js';
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
        message: `hostname ${h} overlaps with listener ${overlaps.map((o) => `${o.spec.name} (${o.spec.hostname})`).join(', ')}`,
      };
    }
  }
}
