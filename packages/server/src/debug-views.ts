/**
 * The documents behind /debug/ir, /debug/xds, /debug/status and /debug/clients (DESIGN.md §3), as
 * plain data; the admin server picks JSON or YAML. Secret material never leaves the process: the IR
 * is redacted as `dumpIR` redacts it, the xDS dump as `redactedConfigDump` does.
 */
import { redactIR, type GatewayIR } from '@portico/ir';
import type { SourceStatus } from '@portico/provider';
import type { KubeObject } from '@portico/resources';
import { applyStatuses } from '@portico/translator';
import { gatewayConfigDump } from '@portico/xds';
import type { ClientInfo } from '@portico/xds-server';
import type { QuarantineEntry } from './quarantine.js';
import type { PipelineHealthView } from './pipeline-health.js';
import type { TranslatedState } from './reconciler.js';

/** What the views read, live. */
export interface DebugData {
  state(): TranslatedState | undefined;
  /** The IR behind each gateway's served snapshot. */
  served(): ReadonlyMap<string, GatewayIR>;
  /** The snapshot version each gateway's clients are served. */
  servedVersion(gateway: string): string | undefined;
  sources(): SourceStatus[];
  clients(): ClientInfo[];
  /** Routes Envoy refused, left out of every snapshot of their gateway until they change. */
  quarantined?(gateway?: string): QuarantineEntry[];
  /** What is broken in the pipeline: a failed snapshot, failed gateway builds, objects left out. */
  health(): PipelineHealthView;
  controllerName: string;
}

export type ViewResult = { status: 200; document: unknown } | { status: 404 | 503; error: string };

const NOT_TRANSLATED: ViewResult = { status: 503, error: 'no snapshot translated yet' };

/** `{ ir: { "<ns>/<name>": GatewayIR } }`, the latest translation, gateways in key order (as `translate --to ir`). */
export function irView(data: DebugData, gateway?: string): ViewResult {
  const state = data.state();
  if (!state) return NOT_TRANSLATED;
  const selected = select(state.result.gateways, gateway);
  if (!selected) return unknownGateway(gateway!);
  return { status: 200, document: { ir: Object.fromEntries(selected.map(([key, ir]) => [key, redactIR(ir)])) } };
}

/**
 * `{ xds: { "<ns>/<name>": { listeners, routes, clusters, endpoints, secrets } }, versions }`: what
 * each gateway's Envoys are served now (the last good snapshot), in Envoy's config-dump shape, and
 * the snapshot version to compare with the ACKed versions of /debug/clients.
 */
export function xdsView(data: DebugData, gateway?: string): ViewResult {
  const selected = select(data.served(), gateway);
  if (!selected) return unknownGateway(gateway!);
  const xds: Record<string, unknown> = {};
  const versions: Record<string, string> = {};
  for (const [key, ir] of selected) {
    xds[key] = gatewayConfigDump(ir).dump;
    const version = data.servedVersion(key);
    if (version) versions[key] = version;
  }
  return { status: 200, document: { xds, versions } };
}

/**
 * Every Gateway API and Ingress object with the `.status` Portico would write (as `translate --to
 * gateway-api`), the health of each provider source (a file that fails to load, with its document
 * and field), the diagnostics of objects without status conditions, and the pipeline's own health
 * (`pipeline`: a snapshot that failed to translate, gateways whose snapshot failed to build, objects
 * left out because translating them threw). Available before the first translation too, since a
 * first snapshot that fails to translate is exactly when it is needed.
 */
export function statusView(data: DebugData, gateway?: string): ViewResult {
  const state = data.state();
  const pipeline = data.health();
  if (!state) {
    if (!pipeline.translationFailure) return NOT_TRANSLATED;
    return { status: 200, document: { sources: data.sources(), pipeline } };
  }
  let objects = applyStatuses(state.objects, state.result, data.controllerName);
  if (gateway !== undefined) {
    if (!state.result.gateways.has(gateway) && !objects.some((o) => o.kind === 'Gateway' && keyOf(o) === gateway)) return unknownGateway(gateway);
    objects = objects.filter((o) => relatedTo(o, gateway, objects));
  }
  return {
    status: 200,
    document: {
      generation: state.generation,
      translatedAt: state.translatedAt,
      objects,
      sources: data.sources(),
      diagnostics: state.result.diagnostics,
      quarantined: quarantinedView(data, gateway),
      pipeline,
    },
  };
}

/**
 * `{ clients: [...], quarantined: [...] }`: each connected stream's node, gateway, and per type the
 * ACKed version and last NACK; and the routes quarantined because a client refused them.
 */
export function clientsView(data: DebugData, gateway?: string): ViewResult {
  const clients = data.clients().filter((c) => gateway === undefined || c.gateway === gateway);
  return { status: 200, document: { clients, quarantined: quarantinedView(data, gateway) } };
}

/** The quarantine, one entry per refused rule: which object and rule, which client refused it, its error. */
function quarantinedView(data: DebugData, gateway: string | undefined) {
  return (data.quarantined?.(gateway) ?? []).map(({ fingerprint: _fingerprint, ...entry }) => entry);
}

function select<T>(map: ReadonlyMap<string, T>, gateway: string | undefined): [string, T][] | undefined {
  if (gateway === undefined) return [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const value = map.get(gateway);
  return value === undefined ? undefined : [[gateway, value]];
}

function unknownGateway(gateway: string): ViewResult {
  return { status: 404, error: `no gateway '${gateway}'` };
}

function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? 'default'}/${object.metadata.name}`;
}

/**
 * The objects that make up one gateway: the Gateway and its GatewayClass; the routes and policies
 * whose status names it as a parent or ancestor; for the Ingress gateway `ingressclass/<name>`,
 * that IngressClass and the Ingresses of that class.
 */
function relatedTo(object: KubeObject, gateway: string, all: KubeObject[]): boolean {
  const [namespace, name] = gateway.split('/') as [string, string];
  const spec = (object.spec ?? {}) as Record<string, unknown>;
  const status = (object.status ?? {}) as Record<string, unknown>;
  switch (object.kind) {
    case 'Gateway':
      return keyOf(object) === gateway;
    case 'GatewayClass':
      return all.some((o) => o.kind === 'Gateway' && keyOf(o) === gateway && (o.spec as Record<string, unknown>)?.gatewayClassName === object.metadata.name);
    case 'IngressClass':
      return namespace === 'ingressclass' && object.metadata.name === name;
    case 'Ingress':
      return namespace === 'ingressclass' && spec.ingressClassName === name;
    default: {
      const refs = [...asArray(status.parents).map((p) => p.parentRef), ...asArray(status.ancestors).map((a) => a.ancestorRef)] as (Record<string, unknown> | undefined)[];
      return refs.some((ref) => ref?.name === name && (ref.namespace ?? object.metadata.namespace ?? 'default') === namespace);
    }
  }
}

function asArray(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
}
