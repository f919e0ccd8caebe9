/**
 * Route units an Envoy refused, per gateway: left out of every snapshot of that gateway (so Envoys
 * that connect later never see them) until the unit's content changes — a new generation of its
 * object that changes the rule, or the rule or object going away — which releases it for another try.
 */
import type { GatewayIR } from '@portico/ir';
import { routeUnits, unitFingerprint, withoutUnits } from './route-units.js';

export interface QuarantineEntry {
  gateway: string;
  /** The unit: `Kind/namespace/name/rule/<i>` (route-units.ts). */
  unit: string;
  kind: string;
  namespace: string;
  name: string;
  rule?: number;
  /** The content refused; another content releases the entry. */
  fingerprint: string;
  /** The xDS type the client refused (RouteConfiguration). */
  typeUrl: string;
  /** The snapshot version refused. */
  version: string;
  /** The client that refused it (node id, or the stream id). */
  refusedBy: string;
  /** Envoy's error text, as cut where it was received (the ADS streams keep at most MAX_ERROR_DETAIL_BYTES). */
  error: string;
  /** Probes the search took (0: the error text and nothing else named it). */
  probes: number;
  since: string;
}

export interface QuarantineApplied {
  /** The IR without the quarantined units: the input itself when nothing is quarantined. */
  ir: GatewayIR;
  /** Entries released by this IR: their unit changed or is gone. */
  released: QuarantineEntry[];
}

export interface Quarantine {
  add(entries: readonly QuarantineEntry[]): void;
  /**
   * Drops entries released elsewhere: the translation worker applies its own copy of the quarantine
   * and says which entries its IR released; the main thread's copy (statuses, views, metrics) follows.
   */
  release(entries: readonly QuarantineEntry[]): void;
  /** The IR to publish for a gateway; releases the entries whose unit no longer has their content. */
  apply(gateway: string, ir: GatewayIR): QuarantineApplied;
  /** Bumped on every add or release for the gateway: a publisher republishes when it moved. */
  revision(gateway: string): number;
  /** Entries of one gateway, or of all, sorted by gateway then unit. */
  entries(gateway?: string): QuarantineEntry[];
  /** Forgets a gateway (it is gone). */
  forget(gateway: string): void;
}

export function createQuarantine(): Quarantine {
  const byGateway = new Map<string, Map<string, QuarantineEntry>>();
  const revisions = new Map<string, number>();
  const bump = (gateway: string) => revisions.set(gateway, (revisions.get(gateway) ?? 0) + 1);
  /** The last IR applied per gateway and its result, valid while the revision holds. */
  const memo = new Map<string, { input: GatewayIR; revision: number; output: GatewayIR }>();

  return {
    add(entries) {
      for (const entry of entries) {
        let units = byGateway.get(entry.gateway);
        if (!units) byGateway.set(entry.gateway, (units = new Map()));
        units.set(entry.unit, { ...entry, error: entry.error });
        bump(entry.gateway);
      }
    },
    release(entries) {
      for (const entry of entries) if (byGateway.get(entry.gateway)?.delete(entry.unit)) bump(entry.gateway);
    },
    apply(gateway, ir) {
      const units = byGateway.get(gateway);
      if (!units || units.size === 0) return { ir, released: [] };
      const cached = memo.get(gateway);
      if (cached && cached.input === ir && cached.revision === (revisions.get(gateway) ?? 0)) return { ir: cached.output, released: [] };
      const present = routeUnits(ir);
      const released: QuarantineEntry[] = [];
      for (const [unit, entry] of units) {
        const entries = present.get(unit);
        if (entries && unitFingerprint(entries) === entry.fingerprint) continue;
        units.delete(unit);
        released.push(entry);
      }
      if (released.length > 0) bump(gateway);
      const output = withoutUnits(ir, new Set(units.keys()));
      memo.set(gateway, { input: ir, revision: revisions.get(gateway) ?? 0, output });
      return { ir: output, released };
    },
    revision: (gateway) => revisions.get(gateway) ?? 0,
    entries(gateway) {
      const gateways = gateway === undefined ? [...byGateway.keys()].sort() : [gateway];
      return gateways.flatMap((g) => [...(byGateway.get(g)?.values() ?? [])].sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0)));
    },
    forget(gateway) {
      if (byGateway.delete(gateway)) bump(gateway);
      memo.delete(gateway);
    },
  };
}
