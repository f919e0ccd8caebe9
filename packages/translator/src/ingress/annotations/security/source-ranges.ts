/**
 * `whitelist-source-range` (newer name `allowlist-source-range`) and `denylist-source-range`
 * (ingress-nginx docs, "Whitelist source range" / "Denylist source range"): comma-separated CIDRs (a
 * bare address stands for itself, as ingress-nginx's net.ParseIPNets reads it). A client outside the
 * allow list, or inside the deny list, is answered 403 — per location, i.e. on every path of the
 * Ingress. They become the route's SecurityIR ipAccess, the IR a SecurityPolicy's ipAccess produces.
 * A value that is not a list of CIDRs fails closed (403): the Ingress meant to restrict access.
 */
import { isIP } from 'node:net';
import type { AnnotationFamily } from '../ingress-annotations.js';

export const sourceRangesFamily: AnnotationFamily = {
  names: ['whitelist-source-range', 'allowlist-source-range', 'denylist-source-range'],
  parse(values, out, report) {
    // The newer name wins when both are set, as in ingress-nginx (allowlist is read first).
    const allow = values.get('allowlist-source-range') ?? values.get('whitelist-source-range');
    const deny = values.get('denylist-source-range');
    const ipAccess: { allow?: string[]; deny?: string[] } = {};
    for (const [list, value] of [['allow', allow], ['deny', deny]] as const) {
      if (!value) continue;
      const cidrs = sourceRanges(value.value);
      if (typeof cidrs === 'string') {
        report(value, `is not a comma-separated list of CIDRs (${cidrs}): every path of this Ingress answers 403`, { status: 403 });
        return;
      }
      if (cidrs.length > 0) ipAccess[list] = cidrs;
    }
    if (ipAccess.allow || ipAccess.deny) out.ipAccess = ipAccess;
  },
};

/** The CIDRs of `text` (bare addresses as /32 or /128), or why it is not a list of them. */
export function sourceRanges(text: string): string[] | string {
  const out: string[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const slash = item.indexOf('/');
    const address = slash < 0 ? item : item.slice(0, slash);
    const family = isIP(address);
    if (family === 0) return `${JSON.stringify(item)} is not an IP address or CIDR`;
    const max = family === 4 ? 32 : 128;
    if (slash < 0) {
      out.push(`${address}/${max}`);
      continue;
    }
    const bits = item.slice(slash + 1);
    if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return `${JSON.stringify(item)} has an invalid prefix length`;
    out.push(`${address}/${Number(bits)}`);
  }
  if (out.length === 0) return 'it is empty';
  return out;
}
