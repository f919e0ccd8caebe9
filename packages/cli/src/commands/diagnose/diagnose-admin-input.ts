/**
 * `portico diagnose --admin URL`: the DiagnoseInput of a running server, from its own views, so the
 * report judges what the server decided and serves rather than a translation of ours:
 *   /debug/resources  the objects (Secret data redacted: key names only)
 *   /debug/status     the statuses the server computed (only our entries are kept: a route or policy
 *                     may carry other controllers' too, and classes of other controllers theirs)
 *   /debug/ir         the IR per gateway (redacted: certificates summarised, keys replaced)
 *   /debug/xds        the served xDS per gateway and its snapshot version
 *   /debug/clients    the connected proxies and what each ACKed or NACKed
 *   /debug/logs       the server's latest log entries (evidence for the bundle only; a server that does
 *                     not keep them, or predates the view, is diagnosed all the same)
 */
import type { DiagnoseInput } from '@portico/diagnose';
import type { GatewayIR } from '@portico/ir';
import { ALL_KINDS, ResourceSet, type Kind, type KubeObject, type Resource } from '@portico/resources';
import { statusKey, type Diagnostic, type ObjectStatus, type TranslationResult } from '@portico/translator';
import type { ClientInfo } from '@portico/xds-server';
import { fetchDocument, type Fetch } from '../translate/dump.js';
import { CliError } from '../../args.js';
import { usageError, type LoadedSource } from './diagnose-sources.js';

interface ResourcesDocument {
  controllerName: string;
  objects: KubeObject[];
}
interface StatusDocument {
  objects?: KubeObject[];
  diagnostics?: Diagnostic[];
}

const KINDS: ReadonlySet<string> = new Set(ALL_KINDS);
const ROUTE_KINDS: ReadonlySet<string> = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute']);

export async function adminInput(admin: string, fetchImpl: Fetch, now: Date): Promise<LoadedSource> {
  const get = async (view: string) => {
    try {
      return await fetchDocument(`${admin}/debug/${view}?format=json`, admin, fetchImpl);
    } catch (error) {
      throw error instanceof CliError ? usageError(error.message) : error;
    }
  };
  // One after the other: the server renders dumps one at a time anyway.
  const resources = (await get('resources')) as ResourcesDocument;
  const status = (await get('status')) as StatusDocument;
  const ir = (await get('ir')) as { ir?: Record<string, GatewayIR> };
  const xds = (await get('xds')) as { xds?: Record<string, unknown>; versions?: Record<string, string> };
  const clients = (await get('clients')) as { clients?: ClientInfo[] };
  const logs = await fetchDocument(`${admin}/debug/logs?format=json`, admin, fetchImpl).catch((error: unknown) => {
    if (error instanceof CliError) return error.message;
    throw error;
  });

  const objects = (resources.objects ?? []).filter((o) => KINDS.has(o.kind)) as Resource[];
  const translation: TranslationResult = {
    gateways: new Map(Object.entries(ir.ir ?? {})),
    statuses: ourStatuses(status.objects ?? [], resources.controllerName),
    diagnostics: status.diagnostics ?? [],
    failures: [],
  };
  const input: DiagnoseInput = {
    resources: ResourceSet.from(objects),
    translation,
    xds: new Map(Object.entries(xds.xds ?? {})),
    clients: clients.clients ?? [],
    servedVersions: new Map(Object.entries(xds.versions ?? {})),
    now,
    controllerName: resources.controllerName,
    secretDataRedacted: true,
  };
  return {
    input,
    evidence: { 'status.json': status, 'ir.json': ir, 'xds.json': xds, 'clients.json': clients, 'resources.json': resources, ...(typeof logs === 'string' ? {} : { 'logs.json': logs }) },
    notes: [
      `Diagnosed from the admin server at ${admin}.`,
      typeof logs === 'string'
        ? `Log lines: not read from the server (${logs}); collect them from its standard error (kubectl logs -n <namespace> deploy/portico, or the terminal running portico serve).`
        : 'Log lines: logs.json holds the latest entries the server kept (bounded in number and size: `dropped` counts older ones); older lines are on its standard error (kubectl logs -n <namespace> deploy/portico).',
    ],
    skipped: 0,
  };
}

/**
 * The statuses Portico owns, as the translator's result holds them: our GatewayClasses (by
 * controllerName), their Gateways, ListenerSets of those Gateways, and our entries of routes and policies.
 */
export function ourStatuses(objects: readonly KubeObject[], controllerName: string): Map<string, ObjectStatus> {
  const statuses = new Map<string, ObjectStatus>();
  const set = (object: KubeObject, status: unknown) => {
    const namespace = object.kind === 'GatewayClass' ? undefined : (object.metadata.namespace ?? 'default');
    statuses.set(statusKey(object.kind as Kind, namespace, object.metadata.name), { kind: object.kind, namespace, name: object.metadata.name, status } as ObjectStatus);
  };
  const spec = (o: KubeObject) => (o.spec ?? {}) as { controllerName?: string; gatewayClassName?: string; parentRef?: { name?: string; namespace?: string } };
  const classes = new Set(objects.filter((o) => o.kind === 'GatewayClass' && spec(o).controllerName === controllerName && o.status).map((o) => o.metadata.name));
  const gateways = new Set<string>();
  for (const o of objects) {
    if (o.kind === 'GatewayClass' && classes.has(o.metadata.name)) set(o, o.status);
    if (o.kind === 'Gateway' && classes.has(spec(o).gatewayClassName ?? '') && o.status) {
      gateways.add(`${o.metadata.namespace ?? 'default'}/${o.metadata.name}`);
      set(o, o.status);
    }
  }
  for (const o of objects) {
    const status = (o.status ?? {}) as { parents?: { controllerName?: string }[]; ancestors?: { controllerName?: string }[] };
    if (o.kind === 'ListenerSet' && o.status) {
      const parent = spec(o).parentRef ?? {};
      if (gateways.has(`${parent.namespace ?? o.metadata.namespace ?? 'default'}/${parent.name}`)) set(o, o.status);
    } else if (ROUTE_KINDS.has(o.kind)) {
      const parents = (status.parents ?? []).filter((p) => p.controllerName === controllerName);
      if (parents.length > 0) set(o, { parents });
    } else if (o.kind === 'BackendTLSPolicy' || o.kind === 'XBackendTrafficPolicy' || o.kind === 'SecurityPolicy' || o.kind === 'BackendPolicy' || o.kind === 'XTelemetryPolicy' || o.kind === 'AccessLogPolicy' || o.kind === 'RateLimitPolicy') {
      const ancestors = (status.ancestors ?? []).filter((a) => a.controllerName === controllerName);
      if (ancestors.length > 0) set(o, { ancestors });
    } else if (o.kind === 'Ingress' && o.status) set(o, o.status);
  }
  return statuses;
}
