/**
 * Metrics of NACK containment (nack-containment.ts), in the server's registry: refusals by resource
 * type, routes quarantined now, searches by outcome and the probes they took.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ContainmentOutcome } from './nack-containment.js';

export interface ContainmentMetrics {
  /** One NACK of any client, by the short name of the refused type (`RouteConfiguration`, `Cluster` …). */
  nacked(typeUrl: string): void;
  searched(outcome: ContainmentOutcome): void;
}

export function createContainmentMetrics(registry: Registry, quarantined: () => number): ContainmentMetrics {
  const nacks = new Counter({
    name: 'portico_nacks_total',
    help: 'Responses an xDS client refused (NACK), by resource type',
    labelNames: ['type'],
    registers: [registry],
  });
  new Gauge({
    name: 'portico_quarantined_routes',
    help: 'Route rules left out of every snapshot of their gateway because an Envoy refused them, until their object changes',
    registers: [registry],
    collect() {
      this.set(quarantined());
    },
  });
  const searches = new Counter({
    name: 'portico_nack_containments_total',
    help: 'Searches for the routes behind a refused route table, by outcome (contained, abandoned)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const probes = new Counter({
    name: 'portico_nack_probes_total',
    help: 'Probe tables served to a refusing client while searching for the routes it refuses',
    registers: [registry],
  });
  for (const type of ['RouteConfiguration', 'Listener', 'Cluster', 'ClusterLoadAssignment', 'Secret']) nacks.labels(type).inc(0);
  for (const outcome of ['contained', 'abandoned']) searches.labels(outcome).inc(0);
  return {
    nacked: (typeUrl) => nacks.labels(typeUrl.slice(typeUrl.lastIndexOf('.') + 1)).inc(),
    searched(outcome) {
      searches.labels(outcome.abandoned === undefined ? 'contained' : 'abandoned').inc();
      probes.inc(outcome.probes);
    },
  };
}
