/**
 * Convergence: per gateway, the time from a resource change (the provider event behind a snapshot) to
 * every Envoy connected when the snapshot was published having ACKed it. Observed once per
 * convergence into `portico_xds_convergence_seconds{gateway}` and kept for /debug/clients (the last
 * value per gateway, and per client the time it took to ACK).
 *
 * The rules, for the cases a change meets:
 * - Only the Envoys connected at the publish count: one connecting later gets the whole config as it
 *   connects, and its time says nothing about the change.
 * - An Envoy is done when it runs what it was sent last of every type (ACKed it): a snapshot resends
 *   only the types it changes, so the others keep their older, still current, versions.
 * - A new snapshot before the previous one converged supersedes it: the previous change is not
 *   observed on its own; it is folded into the new one, whose time is counted from the earliest change
 *   not yet converged (its content is part of what the Envoys must now ACK). One observation per
 *   convergence, never an optimistic one for a change some Envoy never ran.
 * - No Envoy connected (or all those waited for disconnect before answering): no observation.
 * - An Envoy that refuses (NACKs) keeps the change open until a later snapshot it accepts (NACK
 *   containment republishes without the refused route) or until it disconnects. The probes the
 *   containment serves it meanwhile are not the gateway's config: their ACKs converge nothing.
 */
import type { ClientInfo, StreamEvent, StreamRef } from '@portico/xds-server';

export interface GatewayConvergence {
  /** Seconds from the change to the last Envoy's ACK, for the last change that converged. */
  lastConvergenceSeconds?: number;
  /** The snapshot version that converged last. */
  lastConvergedVersion?: string;
  /** Since when the Envoys have run the current config (ISO time). */
  lastConvergedAt?: string;
  /** A change not yet ACKed by every Envoy connected at its publish. */
  pending?: { version: string; waitingFor: number; waitingSeconds: number };
}

export interface ConvergenceTracker {
  /**
   * A snapshot was published for a gateway (its streams have been sent it), made of a change seen at
   * `changedAt` (ms, `now`'s clock); `connected`: the registry's clients of that gateway, as they are now.
   */
  published(gateway: string, version: string, changedAt: number, connected: readonly ClientInfo[]): void;
  /** Every event of every stream, after the client registry has seen it. */
  onStreamEvent(event: StreamEvent, stream: StreamRef): void;
  /**
   * NACK containment serves this stream a probe of its own: what it ACKs until the next publish is not
   * the gateway's config, so it does not converge anything.
   */
  probing(streamId: string): void;
  /** The gateway is gone: nothing more to wait for, its series is dropped. */
  forget(gateway: string): void;
  view(gateway: string): GatewayConvergence | undefined;
  /** Seconds from the change to this client's ACK, for the last change it had to ACK. */
  clientAckSeconds(streamId: string): number | undefined;
}

export interface ConvergenceTrackerOptions {
  /** A client as the registry has it now. */
  client(streamId: string): ClientInfo | undefined;
  /** Called once per convergence. */
  onConverged(gateway: string, seconds: number): void;
  /** Milliseconds on a monotonic clock (`performance.now()` by default): the clock of `changedAt`. */
  now?: () => number;
  /** Wall clock, for the ISO times of the view. */
  wallClock?: () => Date;
}

interface Pending {
  version: string;
  since: number;
  waiting: Set<string>;
  acked: number;
}

export function createConvergenceTracker(options: ConvergenceTrackerOptions): ConvergenceTracker {
  const now = options.now ?? (() => performance.now());
  const wallClock = options.wallClock ?? (() => new Date());
  const pending = new Map<string, Pending>();
  const done = new Map<string, GatewayConvergence>();
  /** The gateway whose pending change each waited-for stream must ACK. */
  const waitedBy = new Map<string, string>();
  const ackSeconds = new Map<string, number>();
  /** Streams running a containment probe, until the next publish of their gateway replaces it. */
  const probed = new Set<string>();

  function settle(gateway: string, change: Pending): void {
    if (change.waiting.size > 0) return;
    pending.delete(gateway);
    if (change.acked === 0) return;
    const seconds = (now() - change.since) / 1000;
    done.set(gateway, { lastConvergenceSeconds: seconds, lastConvergedVersion: change.version, lastConvergedAt: wallClock().toISOString() });
    options.onConverged(gateway, seconds);
  }

  function stopWaiting(gateway: string): void {
    for (const streamId of pending.get(gateway)?.waiting ?? []) waitedBy.delete(streamId);
    pending.delete(gateway);
  }

  return {
    published(gateway, version, changedAt, connected) {
      const superseded = pending.get(gateway);
      stopWaiting(gateway);
      // The publish has been sent to every stream of the gateway: it replaced their probes.
      for (const client of connected) probed.delete(client.streamId);
      if (connected.length === 0) return;
      const since = superseded ? Math.min(superseded.since, changedAt) : changedAt;
      const change: Pending = { version, since, waiting: new Set(), acked: 0 };
      for (const client of connected) {
        if (runsWhatItWasSent(client)) continue;
        change.waiting.add(client.streamId);
        waitedBy.set(client.streamId, gateway);
      }
      // Nothing to wait for: the change left every connected Envoy's config as it was.
      if (change.waiting.size === 0) change.acked = connected.length;
      pending.set(gateway, change);
      settle(gateway, change);
    },
    onStreamEvent(event, stream) {
      if (event.kind !== 'ack' && event.kind !== 'closed') return;
      const gateway = waitedBy.get(stream.streamId);
      const change = gateway === undefined ? undefined : pending.get(gateway);
      if (event.kind === 'closed') {
        ackSeconds.delete(stream.streamId);
        probed.delete(stream.streamId);
      }
      if (!gateway || !change) return;
      if (event.kind === 'ack') {
        const client = options.client(stream.streamId);
        if (!client || probed.has(stream.streamId) || !runsWhatItWasSent(client)) return;
        change.acked += 1;
        ackSeconds.set(stream.streamId, (now() - change.since) / 1000);
      }
      change.waiting.delete(stream.streamId);
      waitedBy.delete(stream.streamId);
      settle(gateway, change);
    },
    probing: (streamId) => void probed.add(streamId),
    forget(gateway) {
      stopWaiting(gateway);
      done.delete(gateway);
    },
    view(gateway) {
      const last = done.get(gateway);
      const change = pending.get(gateway);
      if (!last && !change) return undefined;
      return {
        ...last,
        ...(change ? { pending: { version: change.version, waitingFor: change.waiting.size, waitingSeconds: (now() - change.since) / 1000 } } : {}),
      };
    },
    clientAckSeconds: (streamId) => ackSeconds.get(streamId),
  };
}

/** Every type the client was sent, it ACKed as sent: it runs the config it should. */
export function runsWhatItWasSent(client: ClientInfo): boolean {
  return Object.values(client.types).every((t) => t.sentVersion === undefined || t.ackedVersion === t.sentVersion);
}
