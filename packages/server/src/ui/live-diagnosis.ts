/**
 * The DiagnoseInput of the running server, read in process: what `portico diagnose --admin` assembles
 * from /debug/resources, /debug/status, /debug/ir, /debug/xds and /debug/clients, without the HTTP
 * round trips. Secrets go in without their data (`secretDataRedacted`), as those views hand them out:
 * the dashboard's findings are exactly the ones `diagnose --admin` prints, and no check can ever
 * quote key material into a badge.
 */
import { createHash } from 'node:crypto';
import type { DiagnoseInput, QuarantinedRoute } from '@portico/diagnose';
import { ALL_KINDS, ResourceSet, type Resource } from '@portico/resources';
import type { ClientInfo } from '@portico/xds-server';
import type { DebugData } from '../admin/debug-views.js';
import { redactSecret } from '../admin/resources-view.js';
import type { TranslationResult } from '@portico/translator';
import type { TranslatedState } from '../reconcile/translated-state.js';

const KINDS: ReadonlySet<string> = new Set(ALL_KINDS);

/** The served snapshot version of every gateway that has one. */
export function servedVersions(data: DebugData): Map<string, string> {
  const versions = new Map<string, string>();
  for (const gateway of data.servedGateways()) {
    const version = data.servedVersion(gateway);
    if (version !== undefined) versions.set(gateway, version);
  }
  return versions;
}

/** The quarantine as /debug/clients lists it (without the content fingerprint). */
export function quarantinedRoutes(data: DebugData): QuarantinedRoute[] {
  return (data.quarantined?.() ?? []).map(({ fingerprint: _fingerprint, unit: _unit, ...entry }) => entry);
}

/** `translation`: the state's result with its IR; `xds`: the served config dumps (DebugData `servedConfigDumps`). */
export function liveDiagnoseInput(data: DebugData, state: TranslatedState, translation: TranslationResult, xds: Map<string, unknown>, now: Date): DiagnoseInput {
  const objects = state.objects.filter((o) => KINDS.has(o.kind)).map((o) => (o.kind === 'Secret' ? redactSecret(o) : o)) as Resource[];
  return {
    resources: ResourceSet.from(objects),
    translation,
    xds,
    clients: data.clients(),
    servedVersions: servedVersions(data),
    quarantined: quarantinedRoutes(data),
    now,
    controllerName: data.controllerName,
    secretDataRedacted: true,
  };
}

/**
 * A fingerprint of everything on the data plane that a finding or the data-plane panel shows: which
 * proxies are connected to which gateway, what each was sent, ACKed and refused, the served versions
 * and the quarantine. Push counters and timestamps are left out: they move without anything to show.
 */
export function dataPlaneFingerprint(data: DebugData): string {
  const clients = data.clients().map((c: ClientInfo) => [
    c.streamId,
    c.nodeId ?? '',
    c.gateway ?? '',
    Object.entries(c.types)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([type, t]) => [type, t.ackedVersion ?? '', t.sentVersion ?? '', t.nacks, t.lastNack?.version ?? '']),
  ]);
  const convergence = [...data.servedGateways()].sort().map((g) => [g, data.convergence?.(g)?.lastConvergedVersion ?? '', data.convergence?.(g)?.pending?.version ?? '']);
  const text = JSON.stringify([clients, [...servedVersions(data)].sort(), quarantinedRoutes(data), convergence]);
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
