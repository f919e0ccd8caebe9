/**
 * What `portico diagnose` reports: one Finding per link of the chain a request depends on
 * (GatewayClass → Gateway → listener → route → backend → TLS → the proxies), each OK, WARN or FAIL with
 * the object and field at fault and the fix. Checks are pure functions of a DiagnoseInput, so the same
 * check runs offline on files, on a cluster's objects, and on a running server's admin views.
 */
import type { ResourceSet } from '@portico/resources';
import type { TranslationResult } from '@portico/translator';
import type { ClientInfo } from '@portico/xds-server';

export type FindingLevel = 'OK' | 'WARN' | 'FAIL';

/** The links of the chain, in the order a request meets them (the report's order within a gateway). */
export const LINKS = [
  'GatewayClass',
  'Gateway',
  'Listener',
  'Route',
  'SecurityPolicy',
  'RateLimitPolicy',
  'ReferenceGrant',
  'Backend',
  'TLS',
  'BackendTLSPolicy',
  'BackendTrafficPolicy',
  'BackendPolicy',
  'TelemetryPolicy',
  'AccessLogPolicy',
  'Shadowing',
  'DataPlane',
] as const;
export type Link = (typeof LINKS)[number];

export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
}

export interface Finding {
  level: FindingLevel;
  link: Link;
  /** The gateway (`namespace/name`) whose traffic the finding is about; absent for class-wide findings. */
  gateway?: string;
  object: ObjectRef;
  /** Where in the object, as a path (`spec.rules[0].backendRefs[1].port`); absent when the whole object. */
  field?: string;
  /** Stable, machine-readable name of what was found (`ServicePortNotFound`, `CertificateExpiresSoon`…). */
  code: string;
  /** What is wrong (or right), in one or two sentences a user can act on. */
  message: string;
  /** How to fix it: a sentence, or the exact YAML to apply (a missing ReferenceGrant, the right port). */
  fix?: string;
}

/**
 * What the checks read. `translation` is the translator's result for `resources`; `xds` the config-dump
 * views of the served (or offline-built) xDS per gateway; `clients` the proxies connected to a running
 * server (from its `/debug/clients`), absent offline.
 */
export interface DiagnoseInput {
  resources: ResourceSet;
  translation: TranslationResult;
  /** Gateway `namespace/name` → its xDS in config-dump shape (`portico translate --to xds`'s values). */
  xds?: ReadonlyMap<string, unknown>;
  clients?: readonly ClientInfo[];
  /** The served snapshot version per gateway, to tell which proxies run the current config. */
  servedVersions?: ReadonlyMap<string, string>;
  /** Route rules a proxy refused, left out of their gateway's config (a running server's quarantine). */
  quarantined?: readonly QuarantinedRoute[];
  /** The time certificate expiry is judged against. */
  now: Date;
  /** The controllerName the translation acted for (GatewayClasses naming another are not ours). */
  controllerName?: string;
  /**
   * True when Secrets carry no data (`diagnose --admin`: the server never hands it out). Checks of
   * certificate contents then read the IR's certificate summaries (`dnsNames`, `notAfter`) instead.
   */
  secretDataRedacted?: boolean;
}

/**
 * One route rule a proxy refused (NACK) and the server left out of the gateway's config until the
 * route changes: an entry of the `quarantined` list of `/debug/clients` (the server's QuarantineEntry).
 */
export interface QuarantinedRoute {
  gateway: string;
  kind: string;
  namespace: string;
  name: string;
  /** The rule's index; absent when the whole route was left out. */
  rule?: number;
  /** The xDS type the proxy refused. */
  typeUrl: string;
  /** The snapshot version refused. */
  version: string;
  /** The proxy that refused it (node id, or stream id). */
  refusedBy: string;
  /** The proxy's error text. */
  error: string;
  /** ISO time the route was quarantined. */
  since: string;
}

/** One check: every finding it has, for every gateway (the report filters by gateway). */
export type Check = (input: DiagnoseInput) => Finding[];
