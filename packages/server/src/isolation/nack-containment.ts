/**
 * NACK containment: when a client refuses a route table Portico published, find the route units
 * (route-units.ts) that made it refuse (culprit-finder.ts) by probing that client, quarantine them
 * (quarantine.ts) for every client of the gateway, and have the gateway published again without
 * them. Everything else keeps serving and updating; a client that connects later never sees them.
 *
 * One search at a time per gateway, once per refused snapshot version: several Envoys refusing the
 * same table cost one search. Only Envoy's refusals count: a proxyless gRPC client refuses what its
 * xDS client does not support (DESIGN.md "Known client quirks"), which Envoys of the gateway serve well. A search that cannot finish (the client went away, stopped answering)
 * quarantines nothing; the next refusal starts another.
 */
import { TYPE_URLS } from '@portico/envoy';
import type { GatewayIR } from '@portico/ir';
import { type ClientInfo, type ResourceSnapshot, type StreamEvent, type StreamRef } from '@portico/xds-server';
import { findCulprits, probeBudget, suspectsFromErrorText, type ProbeVerdict } from './culprit-finder.js';
import { errorFields, type Logger } from '../logger.js';
import type { Quarantine, QuarantineEntry } from './quarantine.js';
import { changedUnits, parseUnitKey, probeTable, routeUnits, unitFingerprint, unitValues } from './route-units.js';

/**
 * What containment needs of the publisher: in process publish-gateways.ts, answering at once; with
 * translation on the worker publish-worker-translation.ts, which asks the worker (the IR of a
 * version, a probe built and encoded there).
 */
export interface ContainmentPublisher {
  irOfVersion(gateway: string, version: string): GatewayIR | undefined | Promise<GatewayIR | undefined>;
  probeSnapshot(gateway: string, ir: GatewayIR, version: string): ResourceSnapshot | undefined | Promise<ResourceSnapshot | undefined>;
}

/** One finished search, for logs, metrics and tests. */
export interface ContainmentOutcome {
  gateway: string;
  /** The snapshot version refused. */
  version: string;
  streamId: string;
  candidates: number;
  culprits: string[];
  probes: number;
  exhausted: boolean;
  /** From the refusal to the quarantine being handed to `republish`. */
  ms: number;
  /** Why nothing was quarantined, when nothing was. */
  abandoned?: string;
}

export interface NackContainmentOptions {
  publisher: ContainmentPublisher;
  quarantine: Quarantine;
  /** Serves one stream a probe snapshot (XdsGrpcServer.probe); false when the stream is gone. */
  probe(streamId: string, snapshot: ResourceSnapshot): boolean;
  /** The registry's view of a stream: its gateway and the versions it ACKed. */
  client(streamId: string): ClientInfo | undefined;
  /** Publishes the gateway again (with the quarantine applied) and updates the statuses. */
  republish(gateway: string): void;
  logger: Logger;
  /** After each search. */
  onOutcome?(outcome: ContainmentOutcome): void;
  /** How long a probe waits for the client's answer (default 5 s). */
  probeTimeoutMs?: number;
  /** Probe budget per search; default probeBudget(candidates). */
  maxProbes?: (candidates: number) => number;
  now?: () => number;
}

export interface NackContainment {
  /** Every event of every xDS stream goes here (after the registry has seen it). */
  onStreamEvent(event: StreamEvent, stream: StreamRef): void;
  /** Resolves when no search is running (tests). */
  settled(): Promise<void>;
}

/** Refused versions remembered per gateway so a repeated NACK of one never starts a second search. */
const REMEMBERED_REFUSALS = 64;

export function createNackContainment(options: NackContainmentOptions): NackContainment {
  const { publisher, quarantine, logger } = options;
  const now = options.now ?? (() => performance.now());
  const timeoutMs = options.probeTimeoutMs ?? 5_000;
  const running = new Map<string, Promise<void>>();
  const handled = new Map<string, Set<string>>();
  const waiting = new Map<string, { version: string; settle(verdict: ProbeVerdict | 'gone'): void }>();
  let probeCounter = 0;

  function seen(gateway: string, version: string): boolean {
    let versions = handled.get(gateway);
    if (!versions) handled.set(gateway, (versions = new Set()));
    if (versions.has(version)) return true;
    versions.add(version);
    if (versions.size > REMEMBERED_REFUSALS) versions.delete(versions.values().next().value!);
    return false;
  }

  function onStreamEvent(event: StreamEvent, stream: StreamRef): void {
    if (event.kind === 'closed') return waiting.get(stream.streamId)?.settle('gone');
    if (event.kind !== 'ack' && event.kind !== 'nack') return;
    const waiter = waiting.get(stream.streamId);
    if (waiter && waiter.version === event.version && event.typeUrl === TYPE_URLS.route) return waiter.settle(event.kind);
    if (event.kind !== 'nack' || event.typeUrl !== TYPE_URLS.route || isProbeVersion(event.version)) return;
    const info = options.client(stream.streamId);
    const gateway = info?.gateway;
    if (!gateway || !isEnvoy(info) || running.has(gateway) || seen(gateway, event.version)) return;
    const started = now();
    const search = contain(gateway, stream.streamId, event.version, event.message, info, started)
      .then((outcome) => {
        options.onOutcome?.(outcome);
      })
      .catch((error: unknown) => {
        logger.error('NACK containment failed: this is a bug in Portico', { gateway, ...errorFields(error) });
      })
      .finally(() => running.delete(gateway));
    running.set(gateway, search);
  }

  async function contain(gateway: string, streamId: string, version: string, error: string, info: ClientInfo, started: number): Promise<ContainmentOutcome> {
    const base = { gateway, version, streamId };
    const refused = await publisher.irOfVersion(gateway, version);
    if (!refused) return abandon(base, started, 'the refused snapshot is no longer remembered');
    const ackedVersion = info.types[TYPE_URLS.route]?.ackedVersion;
    const baseline = ackedVersion === undefined ? undefined : await publisher.irOfVersion(gateway, ackedVersion);
    // Without the table the client runs, every unit is a candidate (a probe then holds back what it lacks).
    const candidates = changedUnits(refused, baseline);
    if (candidates.length === 0) return abandon(base, started, 'no route changed since the table the client runs');
    const units = routeUnits(refused);
    const suspects = suspectsFromErrorText(error, new Map(candidates.map((unit) => [unit, unitValues(units.get(unit)!)])));
    const budget = (options.maxProbes ?? probeBudget)(candidates.length);
    logger.warn('an xDS client refused a route table: searching for the routes that caused it', {
      gateway,
      version,
      stream: streamId,
      node: info.nodeId,
      candidates: candidates.length,
      suspects,
      budget,
      detail: error,
    });

    let probesSent = 0;
    const probe = async (included: readonly string[]): Promise<ProbeVerdict> => {
      probesSent += 1;
      const keep = new Set(included);
      const held = new Set(candidates.filter((unit) => !keep.has(unit)));
      const probeVersion = `${version}${PROBE_MARK}${++probeCounter}`;
      const snapshot = await publisher.probeSnapshot(gateway, probeTable(refused, baseline, held), probeVersion);
      if (!snapshot) throw new SearchAbandoned('the gateway has no snapshot any more');
      const answer = await waitForAnswer(streamId, probeVersion, () => options.probe(streamId, snapshot));
      if (answer === 'gone') throw new SearchAbandoned('the client went away or did not answer a probe');
      return answer;
    };

    let result;
    try {
      result = await findCulprits({ candidates, suspects, probe, maxProbes: budget });
    } catch (failure) {
      if (failure instanceof SearchAbandoned) return abandon({ ...base, candidates: candidates.length, probes: probesSent }, started, failure.message);
      throw failure;
    }
    const since = new Date().toISOString();
    const entries: QuarantineEntry[] = result.culprits.map((unit) => ({
      gateway,
      unit,
      ...parseUnitKey(unit),
      fingerprint: unitFingerprint(units.get(unit)!),
      typeUrl: TYPE_URLS.route,
      version,
      refusedBy: info.nodeId ?? streamId,
      error,
      probes: result.probes,
      since,
    }));
    if (result.exhausted) {
      logger.warn('the search for refused routes ran out of probes: what it proved is quarantined, the rest is searched on the next refusal', {
        gateway,
        version,
        probes: result.probes,
        undecided: result.undecided.length,
      });
    }
    if (entries.length === 0) return abandon({ ...base, candidates: candidates.length, probes: probesSent }, started, 'no route was proven to be refused');
    quarantine.add(entries);
    for (const entry of entries) {
      logger.error('route quarantined: an xDS client refused it; it is left out for every client of the gateway until it changes', {
        gateway,
        kind: entry.kind,
        namespace: entry.namespace,
        name: entry.name,
        ...(entry.rule === undefined ? {} : { rule: entry.rule }),
        probes: result.probes,
        detail: error,
      });
    }
    options.republish(gateway);
    const outcome = { ...base, candidates: candidates.length, culprits: result.culprits, probes: result.probes, exhausted: result.exhausted, ms: now() - started };
    logger.info('route table contained', { gateway, version, culprits: outcome.culprits.length, candidates: outcome.candidates, probes: outcome.probes, ms: Math.round(outcome.ms) });
    return outcome;
  }

  function abandon(
    base: Pick<ContainmentOutcome, 'gateway' | 'version' | 'streamId'> & { candidates?: number; probes?: number },
    started: number,
    why: string,
  ): ContainmentOutcome {
    logger.warn('a refused route table could not be contained; the client keeps its last good one', { gateway: base.gateway, version: base.version, reason: why });
    return { candidates: 0, probes: 0, ...base, culprits: [], exhausted: false, ms: now() - started, abandoned: why };
  }

  function waitForAnswer(streamId: string, version: string, send: () => boolean): Promise<ProbeVerdict | 'gone'> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle('gone'), timeoutMs);
      timer.unref?.();
      function settle(verdict: ProbeVerdict | 'gone'): void {
        clearTimeout(timer);
        if (waiting.get(streamId)?.version === version) waiting.delete(streamId);
        resolve(verdict);
      }
      waiting.set(streamId, { version, settle });
      if (!send()) settle('gone');
    });
  }

  return {
    onStreamEvent,
    async settled() {
      while (running.size > 0) await Promise.all(running.values());
    },
  };
}

/** Probe versions are `<refused version>~probe-<n>`: never a published one, never a trigger. */
const PROBE_MARK = '~probe-';

function isProbeVersion(version: string): boolean {
  return version.includes(PROBE_MARK);
}

/** Envoy says `user_agent_name: envoy` in its node; gRPC's xDS clients name themselves otherwise. */
function isEnvoy(info: ClientInfo): boolean {
  return info.userAgent?.split('/')[0] === 'envoy';
}

class SearchAbandoned extends Error {}
