/**
 * The explain box: its form turned into the query of `GET /ui/api/explain`, and the answer's path turned
 * into what the graph highlights.
 */
import type { ExplainDocument, NodeId } from '../../contract.js';

export interface ExplainForm {
  url: string;
  /** `<ns>/<name>`, '' for "any". */
  gateway: string;
  method: string;
  /** One `Name: value` per line. */
  headers: string;
}

export type ExplainQuery = { ok: true; query: string } | { ok: false; error: string };

/** The query string, or what is wrong with the form (checked here so a typo never costs a request). */
export function explainQuery(form: ExplainForm): ExplainQuery {
  const url = form.url.trim();
  if (!/^https?:\/\/[^/?#\s]+/i.test(url)) return { ok: false, error: 'The URL must start with http:// or https:// and name a host.' };
  const params = new URLSearchParams({ url });
  if (form.gateway) params.set('gateway', form.gateway);
  const method = form.method.trim().toUpperCase();
  if (method) {
    if (!/^[A-Z]+$/.test(method)) return { ok: false, error: `"${form.method.trim()}" is not an HTTP method.` };
    params.set('method', method);
  }
  const lines = form.headers.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return { ok: false, error: `Header line ${i + 1} is not "Name: value".` };
    params.append('header', `${line.slice(0, colon).trim()}: ${line.slice(colon + 1).trim()}`);
  }
  return { ok: true, query: params.toString() };
}

/** The explanation's outcome (`forwarded`, `no-route`…), as `portico explain -o json` names it. */
export function explainOutcome(doc: ExplainDocument): string {
  const explanation = doc.explanation;
  if (typeof explanation === 'object' && explanation !== null && 'outcome' in explanation) {
    const outcome = (explanation as { outcome: unknown }).outcome;
    if (typeof outcome === 'string') return outcome;
  }
  return 'unknown';
}

/**
 * The drawn items to highlight: the path's nodes where they are drawn, and the collapsed group a path
 * node is folded into (so the path shows in a collapsed graph too).
 */
export function highlightedItems(path: readonly NodeId[], drawnAs: ReadonlyMap<NodeId, NodeId>): Set<NodeId> {
  const highlighted = new Set<NodeId>();
  for (const id of path) {
    const drawn = drawnAs.get(id);
    if (drawn !== undefined) highlighted.add(drawn);
  }
  return highlighted;
}

/** Edges along the path: consecutive path nodes, as drawn. */
export function highlightedEdges(path: readonly NodeId[], drawnAs: ReadonlyMap<NodeId, NodeId>): Set<string> {
  const edges = new Set<string>();
  const drawn = path.map((id) => drawnAs.get(id)).filter((id): id is NodeId => id !== undefined);
  for (let i = 0; i + 1 < drawn.length; i++) {
    if (drawn[i] !== drawn[i + 1]) edges.add(`${drawn[i]}->${drawn[i + 1]}`);
  }
  return edges;
}
