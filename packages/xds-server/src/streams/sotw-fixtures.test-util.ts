/** Test doubles for the stream state machines: resources, snapshots, a fake ConfigWatcher. */
import type { CachedResource, ConfigWatcher, ResourceSnapshot, TypeUrl } from '../types.js';

export const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
export const RDS = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
export const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
export const EDS = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
export const SDS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';

/** A resource whose bytes spell `name@version`. */
export function res(name: string, version = 'v1', wildcard = true): CachedResource {
  return { name, version, bytes: new TextEncoder().encode(`${name}@${version}`), wildcard };
}

/** A snapshot as the cache makes it: resources by type, sorted by name. */
export function snapshotOf(version: string, byType: Record<TypeUrl, CachedResource[]>): ResourceSnapshot {
  const resources = new Map<TypeUrl, Map<string, CachedResource>>();
  for (const [typeUrl, list] of Object.entries(byType)) {
    resources.set(typeUrl, new Map([...list].sort((a, b) => (a.name < b.name ? -1 : 1)).map((r) => [r.name, r])));
  }
  return { version, resources };
}

export interface FakeWatcher extends ConfigWatcher {
  publish(gateway: string, snapshot: ResourceSnapshot): void;
  subscriberCount(gateway: string): number;
}

export function fakeWatcher(): FakeWatcher {
  const snapshots = new Map<string, ResourceSnapshot>();
  const subscribers = new Map<string, Set<(s: ResourceSnapshot) => void>>();
  const of = (gateway: string) => subscribers.get(gateway) ?? subscribers.set(gateway, new Set()).get(gateway)!;
  return {
    snapshot: (gateway) => snapshots.get(gateway),
    subscribe(gateway, onChange) {
      of(gateway).add(onChange);
      return () => of(gateway).delete(onChange);
    },
    publish(gateway, snapshot) {
      snapshots.set(gateway, snapshot);
      for (const onChange of [...of(gateway)]) onChange(snapshot);
    },
    subscriberCount: (gateway) => of(gateway).size,
  };
}
