/**
 * Which virtual host of a route table serves a Host (RouteMatcher::findVirtualHost): the Host,
 * lower-cased and (with ignore_port_in_host_matching) without its port, is looked up among exact
 * domains first, then suffix wildcards (`*.example.com`, `*-bar.example.com`) longest first, then
 * prefix wildcards (`foo.*`) longest first, then `*`. A wildcard stands for at least one character.
 */
import { hostWithoutPort } from './request.js';
import { asArray, type Json } from './xds-view.js';

export interface VirtualHostChoice {
  virtualHost: Json;
  name: string;
  /** The domain that matched. */
  domain: string;
}

export function selectVirtualHost(table: Json, authority: string): VirtualHostChoice | undefined {
  const host = (table.ignorePortInHostMatching === true ? hostWithoutPort(authority) : authority).toLowerCase();
  const entries = asArray(table.virtualHosts).flatMap((vh) => asArray(vh.domains).map((d) => ({ vh, domain: String(d).toLowerCase() })));
  const pick = (hit: { vh: Json; domain: string } | undefined): VirtualHostChoice | undefined =>
    hit ? { virtualHost: hit.vh, name: String(hit.vh.name ?? ''), domain: hit.domain } : undefined;
  const exact = entries.find((e) => e.domain === host);
  if (exact) return pick(exact);
  const longestFirst = (a: { domain: string }, b: { domain: string }) => b.domain.length - a.domain.length;
  const suffix = entries
    .filter((e) => e.domain.length > 1 && e.domain.startsWith('*'))
    .sort(longestFirst)
    .find((e) => host.length > e.domain.length - 1 && host.endsWith(e.domain.slice(1)));
  if (suffix) return pick(suffix);
  const prefix = entries
    .filter((e) => e.domain.length > 1 && e.domain.endsWith('*'))
    .sort(longestFirst)
    .find((e) => host.length > e.domain.length - 1 && host.startsWith(e.domain.slice(0, -1)));
  if (prefix) return pick(prefix);
  return pick(entries.find((e) => e.domain === '*'));
}
