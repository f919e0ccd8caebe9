/**
 * Encodes every resource once (which also checks it against the Envoy protos) and versions it by a
 * hash of its bytes: the same config always has the same version, so nothing unchanged is re-pushed.
 */
import crypto from 'node:crypto';
import { configDump, encodeMessage, RESOURCE_TYPES, type ConfigDumpSections, type ResourceKind, type VersionedResource } from '@portico/envoy';
import type { NamedResource, XdsResources } from '../resources.js';
import { EncodedWireResource } from './encoded-wire-resource.js';
import { redactFilterSecrets } from './redact-filter-secrets.js';

export interface EncodedResource extends VersionedResource {
  bytes: Uint8Array;
}

/** The five resource lists of XdsResources. */
export type ResourceListKey = Exclude<keyof XdsResources, 'namedOnly'>;

export type EncodedResources = Record<ResourceListKey, EncodedResource[]> & { namedOnly?: ReadonlySet<string> };

const KIND_OF: Record<ResourceListKey, ResourceKind> = {
  listeners: 'listener',
  routes: 'route',
  clusters: 'cluster',
  endpoints: 'endpoint',
  secrets: 'secret',
};

/**
 * Bytes per JSON object, shared by the encodings of one publisher: a resource (or route) that is the
 * same object as in the previous build is not encoded again (see @portico/envoy json-encoder.ts).
 */
export type EncodeCache = WeakMap<object, Uint8Array>;

/** Messages cached inside a resource, besides the resources themselves: the hosts and routes of a route table. */
const CACHED_INNER_TYPES: ReadonlySet<string> = new Set(['envoy.config.route.v3.Route', 'envoy.config.route.v3.VirtualHost']);

/**
 * SHA-256 in hex, one-shot `hash` (the same SHA-256 as createHash): a Hash object per resource cost as much as
 * the hashing for the small ones, and there are tens of thousands of them. Node 20.11 (package.json
 * engines) predates `hash` (20.12): there, createHash.
 */
const sha256Hex: (bytes: Uint8Array) => string =
  typeof crypto.hash === 'function' ? (bytes) => crypto.hash('sha256', bytes, 'hex') : (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

/** Versions by the bytes they hash; encoded bytes are never mutated, so the same array has the same hash. */
const versions = new WeakMap<Uint8Array, string>();

function versionOf(bytes: Uint8Array): string {
  let version = versions.get(bytes);
  if (version === undefined) versions.set(bytes, (version = sha256Hex(bytes).slice(0, 16)));
  return version;
}

/** Encoded lists per resource list: a list the builder handed back unchanged (build-cache.ts stableList) costs nothing. */
const encodedLists = new WeakMap<readonly NamedResource[], EncodedResource[]>();

export function encodeResources(resources: XdsResources, cache?: EncodeCache): EncodedResources {
  const options = cache ? { cache, cacheTypes: CACHED_INNER_TYPES } : undefined;
  const encodeList = (kind: ResourceListKey) =>
    resources[kind].map((r: NamedResource): EncodedResource => {
      // Written from the IR (wire/): its bytes as they are, and its JSON left unbuilt.
      if (r.bytes) return new EncodedWireResource(r, r.bytes, versionOf(r.bytes));
      const bytes = encodeMessage(RESOURCE_TYPES[KIND_OF[kind]], r.resource, options);
      return { name: r.name, resource: r.resource, bytes, version: versionOf(bytes) };
    });
  const encode = (kind: ResourceListKey) => {
    if (!cache) return encodeList(kind);
    let list = encodedLists.get(resources[kind]);
    if (!list) encodedLists.set(resources[kind], (list = encodeList(kind)));
    return list;
  };
  return {
    listeners: encode('listeners'),
    routes: encode('routes'),
    clusters: encode('clusters'),
    endpoints: encode('endpoints'),
    secrets: encode('secrets'),
    ...(resources.namedOnly ? { namedOnly: resources.namedOnly } : {}),
  };
}

/**
 * Envoy's config-dump view: what an Envoy of the gateway holds (not the proxyless-only resources),
 * with private key material and filter credentials replaced (secrets never leave the process).
 */
export function redactedConfigDump(encoded: EncodedResources): ConfigDumpSections {
  const envoySees = (r: EncodedResource) => !encoded.namedOnly?.has(r.name);
  return configDump({
    ...encoded,
    listeners: encoded.listeners.filter(envoySees).map(withFilterSecretsRedacted),
    routes: encoded.routes.filter(envoySees).map(withFilterSecretsRedacted),
    secrets: encoded.secrets.map((s) => withResource(s, redactSecret(s.resource))),
  });
}

/**
 * basic_auth users and api_key_auth keys (redact-filter-secrets.ts). Always a new object holding the
 * JSON: a wire-built resource builds its JSON on every read of `resource`, so it is read once here.
 */
function withFilterSecretsRedacted(r: EncodedResource): EncodedResource {
  return withResource(r, redactFilterSecrets(r.resource));
}

/** `r` with other JSON, its members named one by one: a wire-built resource must not be spread (its `resource` is a getter). */
function withResource(r: EncodedResource, resource: VersionedResource['resource']): EncodedResource {
  return { name: r.name, version: r.version, bytes: r.bytes, resource };
}

function redactSecret(secret: VersionedResource['resource']): VersionedResource['resource'] {
  const tls = secret.tlsCertificate as Record<string, unknown> | undefined;
  if (!tls?.privateKey) return secret;
  return { ...secret, tlsCertificate: { ...tls, privateKey: { inlineString: '[redacted]' } } };
}
