/**
 * kubectl-style tables for `portico dump status` and `portico dump clients`: upper-case headers,
 * columns separated by three spaces, `<none>` for an empty value, `-` where a column does not apply.
 */
import { statusRows, type StatusObject } from '@portico/server';

/** The /debug/status document, the fields the table reads. */
export interface StatusDocument {
  objects?: StatusObject[];
  sources?: { source: string; state: string; objects: number; error?: string; lastGoodAt?: string; servedFrom?: string; settling?: unknown }[];
  diagnostics?: { kind: string; namespace?: string; name: string; message: string }[];
  /** What is broken in the pipeline itself (server pipeline-health.ts). */
  pipeline?: {
    translationFailure?: { generation: number; at: string; error: string };
    gatewayFailures?: { gateway: string; outcome: string; problems: string[]; at: string }[];
    failingObjects?: { kind: string; namespace?: string; name: string; message: string }[];
  };
}

/** The /debug/clients document, the fields the table reads. */
export interface ClientsDocument {
  clients?: {
    nodeId?: string;
    gateway?: string;
    protocol: string;
    peer: string;
    types: Record<string, { ackedVersion?: string; lastNack?: { version: string; message: string; at: string } }>;
  }[];
  /** Route rules an Envoy refused, left out of their gateway's snapshots until they change. */
  quarantined?: { gateway: string; kind: string; namespace: string; name: string; rule?: number; refusedBy: string; since: string; error: string }[];
}

/** Renders rows under headers, each column as wide as its widest cell; the last column is never padded. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** Objects, then sources, then diagnostics, then pipeline failures (each table only when it has rows). */
export function statusTables(document: StatusDocument): string {
  const sections: string[] = [];
  const rows = statusRows(document.objects ?? []);
  sections.push(
    rows.length === 0
      ? 'No Gateway API or Ingress objects.\n'
      : formatTable(
          ['KIND', 'NAMESPACE', 'NAME', 'PARENT', 'ACCEPTED', 'PROGRAMMED', 'RESOLVED', 'REASON', 'MESSAGE'],
          rows.map((r) => [
            r.kind,
            r.namespace ?? '',
            r.name,
            r.parent ?? '',
            r.accepted ?? '-',
            r.programmed ?? '-',
            r.resolvedRefs ?? '-',
            r.reason ?? '',
            r.message ?? '',
          ]),
        ),
  );
  const sources = document.sources ?? [];
  if (sources.length > 0) {
    sections.push(
      formatTable(
        ['SOURCE', 'STATE', 'OBJECTS', 'LAST-GOOD', 'ERROR'],
        sources.map((s) => [
          s.source,
          s.settling ? `${s.state} (settling)` : s.state,
          String(s.objects),
          // Served from the state directory: the file has not loaded since the restart.
          `${s.lastGoodAt ?? '<none>'}${s.servedFrom ? ` (${s.servedFrom})` : ''}`,
          s.error ?? '',
        ]),
      ),
    );
  }
  const diagnostics = document.diagnostics ?? [];
  if (diagnostics.length > 0) {
    sections.push(formatTable(['KIND', 'NAMESPACE', 'NAME', 'DIAGNOSTIC'], diagnostics.map((d) => [d.kind, d.namespace ?? '', d.name, d.message])));
  }
  const pipeline = document.pipeline;
  const failures: string[][] = [
    ...(pipeline?.translationFailure ? [['snapshot', `generation ${pipeline.translationFailure.generation}`, pipeline.translationFailure.at, `failed to translate: ${pipeline.translationFailure.error}`]] : []),
    ...(pipeline?.gatewayFailures ?? []).map((g) => ['gateway', g.gateway, g.at, `${g.outcome}: ${g.problems.join('; ')}`]),
    ...(pipeline?.failingObjects ?? []).map((o) => [o.kind, `${o.namespace ? `${o.namespace}/` : ''}${o.name}`, '', `left out, translating it failed: ${o.message}`]),
  ];
  if (failures.length > 0) sections.push(formatTable(['PIPELINE', 'WHAT', 'AT', 'FAILURE'], failures));
  return sections.join('\n');
}

/** The xDS types by their short names, in the order Envoy applies them. */
const TYPES: readonly [string, string][] = [
  ['LDS', 'type.googleapis.com/envoy.config.listener.v3.Listener'],
  ['RDS', 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration'],
  ['CDS', 'type.googleapis.com/envoy.config.cluster.v3.Cluster'],
  ['EDS', 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment'],
  ['SDS', 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret'],
];

/** The clients, then the quarantined routes (only when there are some). */
export function clientsTable(document: ClientsDocument): string {
  const quarantined = document.quarantined ?? [];
  const quarantine =
    quarantined.length === 0
      ? ''
      : '\n' +
        formatTable(
          ['GATEWAY', 'QUARANTINED', 'NAMESPACE', 'NAME', 'RULE', 'REFUSED-BY', 'SINCE', 'ERROR'],
          quarantined.map((q) => [q.gateway, q.kind, q.namespace, q.name, q.rule === undefined ? '-' : String(q.rule), q.refusedBy, q.since, q.error.replace(/\s+/g, ' ')]),
        );
  return clientRows(document.clients ?? []) + quarantine;
}

function clientRows(clients: NonNullable<ClientsDocument['clients']>): string {
  if (clients.length === 0) return 'No xDS clients connected.\n';
  return formatTable(
    ['NODE', 'GATEWAY', 'PROTOCOL', 'PEER', ...TYPES.map(([short]) => short), 'LAST-NACK'],
    clients.map((c) => [
      c.nodeId ?? '<none>',
      c.gateway ?? '<none>',
      c.protocol,
      c.peer,
      ...TYPES.map(([, typeUrl]) => c.types[typeUrl]?.ackedVersion ?? '-'),
      lastNack(c.types),
    ]),
  );
}

/** The most recent NACK of any type: `CDS <version> <at>: <client's error>`. */
function lastNack(types: NonNullable<ClientsDocument['clients']>[number]['types']): string {
  let latest: { short: string; version: string; message: string; at: string } | undefined;
  for (const [short, typeUrl] of TYPES) {
    const nack = types[typeUrl]?.lastNack;
    if (nack && (!latest || nack.at > latest.at)) latest = { short, ...nack };
  }
  return latest ? `${latest.short} ${latest.version} ${latest.at}: ${latest.message.replace(/\s+/g, ' ')}` : '<none>';
}
