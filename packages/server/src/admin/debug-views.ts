/**
 * The documents behind /debug/ir, /debug/xds, /debug/status, /debug/clients and /debug/logs (DESIGN.md §3). A view
 * hands back its text in pieces (document-chunks.ts), JSON or YAML, never the raw document: secret
 * material never leaves the process (the IR is redacted as `dumpIR` redacts it, piece by piece; the
 * xDS dump as `redactedConfigDump` does), and a large dump never holds the event loop for long.
 * Each view also has a cheap version: the same version prints the same text (the admin server's cache).
 */
import { createHash } from 'node:crypto';
import { redactIR, type DumpFormat, type GatewayIR } from '@portico/ir';
import type { SourceStatus } from '@portico/provider';
import type { KubeObject } from '@portico/resources';
import { applyStatuses } from '@portico/translator';
import type { ClientInfo } from '@portico/xds-server';
import type { QuarantineEntry } from '../isolation/quarantine.js';
import type { GatewayConvergence } from '../reconcile/convergence.js';
import type { PipelineHealthView } from '../reconcile/pipeline-health.js';
import type { RecentLogsView } from '../recent-logs.js';
import { documentChunks, LazyList, type ChunkOptions } from './document-chunks.js';
import { statusesOf, type TranslatedState } from '../reconcile/translated-state.js';
import { resourcesView } from './resources-view.js';

/**
 * What the views read, live. What is cheap is read synchronously (the objects, statuses, versions);
 * the IR (`TranslatedState.ir`) and the served resources' JSON are asked for, since with translation
 * on the worker thread they live there.
 */
export interface DebugData {
  state(): TranslatedState | undefined;
  /** The gateways that have a served snapshot, in key order. */
  servedGateways(): string[];
  /**
   * The config dump (Envoy's shape, key material redacted: @portico/xds `redactedConfigDump`) of
   * each gateway's served snapshot (the last good one when a later candidate was refused), in key
   * order; only `gateways` when given.
   */
  servedConfigDumps(gateways?: readonly string[]): Promise<Map<string, unknown>>;
  /** The snapshot version each gateway's clients are served. */
  servedVersion(gateway: string): string | undefined;
  sources(): SourceStatus[];
  clients(): ClientInfo[];
  /** Routes Envoy refused, left out of every snapshot of their gateway until they change. */
  quarantined?(gateway?: string): QuarantineEntry[];
  /** What is broken in the pipeline: a failed snapshot, failed gateway builds, objects left out. */
  health(): PipelineHealthView;
  /** How long the last change of a gateway took to be ACKed by every connected Envoy (convergence.ts). */
  convergence?(gateway: string): GatewayConvergence | undefined;
  /** Seconds from the change to this client's ACK, for the last change it had to ACK. */
  clientAckSeconds?(streamId: string): number | undefined;
  /** The server's latest log entries (recent-logs.ts), when it keeps them. */
  recentLogs?(): RecentLogsView;
  controllerName: string;
}

export type ViewResult = { status: 200; chunks(format: DumpFormat): Generator<string> } | { status: 404 | 503; error: string };

/** A view's answer: at once, or once what it prints was fetched (the IR, the served resources). */
export type ViewAnswer = ViewResult | Promise<ViewResult>;

/** A debug path: its text, and a version that changes whenever the text would. */
export interface DebugView {
  /** Undefined: not cacheable (the view changes all the time, e.g. the clients' ACKs). */
  version(gateway: string | undefined): string | undefined;
  render(gateway: string | undefined): ViewAnswer;
}

const NOT_TRANSLATED: ViewResult = { status: 503, error: 'no snapshot translated yet' };

/** Keys whose values redactIR replaces: printed whole, so the redaction sees them with their key. */
const REDACTED_KEYS: ReadonlySet<string> = new Set(['privateKey', 'htpasswd', 'apiKey', 'certificateChain', 'caCertificates']);
const IR_REDACTION: ChunkOptions = {
  transform: (value, key) => (key === undefined ? redactIR(value) : redactIR({ [key]: value })[key]),
  wholeKeys: REDACTED_KEYS,
};

/** The views by path, as the admin server serves them. */
export function debugViews(data: DebugData): Record<string, DebugView> {
  return {
    '/debug/ir': { version: () => stateVersion(data), render: (gateway) => irView(data, gateway) },
    '/debug/xds': { version: (gateway) => xdsVersion(data, gateway), render: (gateway) => xdsView(data, gateway) },
    '/debug/status': { version: () => statusVersion(data), render: (gateway) => statusView(data, gateway) },
    '/debug/clients': { version: () => undefined, render: (gateway) => clientsView(data, gateway) },
    '/debug/resources': { version: () => stateVersion(data), render: () => resourcesView(data) },
    '/debug/logs': { version: () => undefined, render: () => logsView(data) },
  };
}

/** The latest log entries, whatever gateway is asked for (an entry may concern none or several). */
export function logsView(data: DebugData): ViewResult {
  if (!data.recentLogs) return { status: 404, error: 'this server keeps no log entries' };
  return printed(data.recentLogs());
}

/** `{ ir: { "<ns>/<name>": GatewayIR } }`, the latest translation, gateways in key order (as `translate --to ir`), redacted. */
export async function irView(data: DebugData, gateway?: string): Promise<ViewResult> {
  const state = data.state();
  if (!state) return NOT_TRANSLATED;
  if (gateway !== undefined && !state.result.gateways.has(gateway)) return unknownGateway(gateway);
  const selected: [string, GatewayIR][] = [...(await state.ir(gateway === undefined ? undefined : [gateway]))].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return printed({ ir: Object.fromEntries(selected) }, IR_REDACTION);
}

/**
 * `{ xds: { "<ns>/<name>": { listeners, routes, clusters, endpoints, secrets } }, versions }`: what
 * each gateway's Envoys are served now (the last good snapshot), in Envoy's config-dump shape, and
 * the snapshot version to compare with the ACKed versions of /debug/clients.
 */
export async function xdsView(data: DebugData, gateway?: string): Promise<ViewResult> {
  if (gateway !== undefined && !data.servedGateways().includes(gateway)) return unknownGateway(gateway);
  const dumps = await data.servedConfigDumps(gateway === undefined ? undefined : [gateway]);
  const xds: Record<string, unknown> = {};
  const versions: Record<string, string> = {};
  for (const [key, dump] of dumps) {
    xds[key] = dump;
    const version = data.servedVersion(key);
    if (version) versions[key] = version;
  }
  return printed({ xds, versions });
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
  if (!state) return pipeline.translationFailure ? printed({ sources: data.sources(), pipeline }) : NOT_TRANSLATED;
  const { controllerName } = data;
  // The Gateway itself (Gateway API kind only, as applyStatuses keeps), to find its GatewayClass, and
  // the ListenerSets, to find the routes attached to the Gateway through one of them.
  const context = gateway === undefined ? [] : applyStatuses(state.objects.filter((o) => (o.kind === 'Gateway' && keyOf(o) === gateway) || o.kind === 'ListenerSet'), statusesOf(state.result), controllerName);
  if (gateway !== undefined && !state.result.gateways.has(gateway) && !context.some((o) => o.kind === 'Gateway')) return unknownGateway(gateway);
  // Each object gets its status when the printer reaches it: 10,000 routes cost their work in slices.
  const objects = new LazyList(function* () {
    for (const object of state.objects) {
      const [withStatus] = applyStatuses([object], statusesOf(state.result), controllerName);
      if (withStatus && (gateway === undefined || relatedTo(withStatus, gateway, context))) yield withStatus;
    }
  });
  return printed({
    generation: state.generation,
    translatedAt: state.translatedAt,
    objects,
    sources: data.sources(),
    diagnostics: state.result.diagnostics,
    quarantined: quarantinedView(data, gateway),
    pipeline,
  });
}

/**
 * `{ clients: [...], quarantined: [...], gateways: {...} }`: each connected stream's node, gateway,
 * per type the ACKed version and last NACK, and `lastAckSeconds` (from the change to its ACK, for the
 * last change it had to ACK); the routes quarantined because a client refused them; and per served
 * gateway its `servedVersion` (to compare with the ACKed versions) and convergence
 * (`lastConvergenceSeconds`, `lastConvergedVersion`, `lastConvergedAt`, a `pending` change).
 */
export function clientsView(data: DebugData, gateway?: string): ViewResult {
  const clients = data.clients().filter((c) => gateway === undefined || c.gateway === gateway);
  const withAcks = clients.map((c) => {
    const seconds = data.clientAckSeconds?.(c.streamId);
    return seconds === undefined ? c : { ...c, lastAckSeconds: seconds };
  });
  const gateways: Record<string, unknown> = {};
  for (const key of (gateway === undefined ? data.servedGateways() : [gateway]).sort()) {
    const servedVersion = data.servedVersion(key);
    if (servedVersion === undefined) continue;
    gateways[key] = { servedVersion, ...data.convergence?.(key) };
  }
  return printed({ clients: withAcks, quarantined: quarantinedView(data, gateway), gateways });
}

function printed(document: unknown, options?: ChunkOptions): ViewResult {
  return { status: 200, chunks: (format) => documentChunks(document, format, options) };
}

/** A number per translated state: a new translation (even of the same generation) is a new version. */
const stateIds = new WeakMap<object, number>();
let nextStateId = 0;

function stateVersion(data: DebugData): string | undefined {
  const state = data.state();
  if (!state) return undefined;
  let id = stateIds.get(state);
  if (id === undefined) stateIds.set(state, (id = ++nextStateId));
  return `state-${id}`;
}

/**
 * The state, and what may change without a new translation: the sources' health (a file that stops
 * parsing), the quarantine and the pipeline's health.
 */
function statusVersion(data: DebugData): string | undefined {
  const state = stateVersion(data);
  const live = JSON.stringify([data.sources(), quarantinedView(data, undefined), data.health()]);
  return state && `${state}/${createHash('sha256').update(live).digest('hex').slice(0, 16)}`;
}

/** The served snapshot version of each gateway shown: every publish makes a new one. */
function xdsVersion(data: DebugData, gateway: string | undefined): string {
  const gateways = gateway === undefined ? [...data.servedGateways()].sort() : [gateway];
  return gateways.map((key) => `${key}@${data.servedVersion(key) ?? 'none'}`).join(',');
}

/** The quarantine, one entry per refused rule: which object and rule, which client refused it, its error. */
function quarantinedView(data: DebugData, gateway: string | undefined) {
  return (data.quarantined?.(gateway) ?? []).map(({ fingerprint: _fingerprint, ...entry }) => entry);
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
    case 'ListenerSet': {
      const parent = spec.parentRef as Record<string, unknown> | undefined;
      return parent?.name === name && (parent.namespace ?? object.metadata.namespace ?? 'default') === namespace;
    }
    case 'IngressClass':
      return namespace === 'ingressclass' && object.metadata.name === name;
    case 'Ingress':
      return namespace === 'ingressclass' && spec.ingressClassName === name;
    default: {
      const refs = [...asArray(status.parents).map((p) => p.parentRef), ...asArray(status.ancestors).map((a) => a.ancestorRef)] as (Record<string, unknown> | undefined)[];
      return refs.some((ref) => {
        if (!ref) return false;
        const refNamespace = String(ref.namespace ?? object.metadata.namespace ?? 'default');
        // A route attached through a ListenerSet (GEP-1713) belongs to the ListenerSet's Gateway.
        if (ref.kind === 'ListenerSet') return all.some((o) => o.kind === 'ListenerSet' && keyOf(o) === `${refNamespace}/${String(ref.name)}` && relatedTo(o, gateway, all));
        return ref.name === name && refNamespace === namespace;
      });
    }
  }
}

function asArray(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
}
