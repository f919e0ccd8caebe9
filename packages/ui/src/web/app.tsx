/**
 * The dashboard: the graph and the data plane fetched at start and again only when the event stream
 * says they changed; filters, collapsing, the explain path and the details panel are page state.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ChangedEvent, GraphNode, NodeId } from '../contract.js';
import { fetchDataPlane, fetchGraph } from './api.js';
import { DataPlanePanel } from './components/dataplane-panel.js';
import { DetailsPanel } from './components/details-panel.js';
import { ExplainBox } from './components/explain-box.js';
import { FiltersBar } from './components/filters-bar.js';
import { GraphView } from './components/graph-view.js';
import { ObjectList } from './components/object-list.js';
import { TotalsBar } from './components/totals-bar.js';
import { subscribeToChanges, type LiveState } from './live-events.js';
import { collapsedGateways, collapseGraph, gatewayGroupId } from './model/collapse-graph.js';
import { highlightedEdges, highlightedItems } from './model/explain-path.js';
import { filterGraph, kindsPresent, NO_FILTERS, sortForList, type GraphFilters } from './model/filter-graph.js';
import { useDocument } from './use-document.js';

const NO_NODES: GraphNode[] = [];

export function App() {
  const graph = useDocument(fetchGraph);
  const dataplane = useDocument(fetchDataPlane);
  const [live, setLive] = useState<LiveState>('reconnecting');
  const [filters, setFilters] = useState<GraphFilters>(NO_FILTERS);
  /** Gateways the reader expanded or collapsed; the others follow the graph's size. */
  const [folding, setFolding] = useState<ReadonlyMap<string, boolean>>(new Map());
  const [selected, setSelected] = useState<{ id: NodeId; opener: Element | null } | undefined>(undefined);
  const [path, setPath] = useState<readonly NodeId[] | undefined>(undefined);

  const doc = graph.doc;
  const graphVersion = doc?.version;
  const dataplaneVersion = dataplane.doc?.version;

  useEffect(() => {
    graph.refresh();
    dataplane.refresh();
  }, [graph.refresh, dataplane.refresh]);

  // The versions on screen, read by the event handler without resubscribing on every render.
  const shown = useRef({ graph: graphVersion, dataplane: dataplaneVersion });
  shown.current = { graph: graphVersion, dataplane: dataplaneVersion };

  // Refetch only what changed: the stream names both versions on connect and after every change.
  useEffect(() => {
    const onChanged = (changed: ChangedEvent): void => {
      if (changed.graph !== shown.current.graph) graph.refresh();
      if (changed.dataplane !== shown.current.dataplane) dataplane.refresh();
    };
    return subscribeToChanges({ onChanged, onState: setLive });
  }, [graph.refresh, dataplane.refresh]);

  const nodes = doc?.nodes ?? NO_NODES;
  const collapsed = useMemo(() => collapsedGateways(nodes.length, doc?.gatewayNames ?? [], folding), [doc, folding]);
  const filtered = useMemo(() => filterGraph(nodes, doc?.edges ?? [], filters), [doc, filters]);
  const drawn = useMemo(() => collapseGraph(filtered.nodes, filtered.edges, collapsed), [filtered, collapsed]);
  const listed = useMemo(() => sortForList(filtered.nodes), [filtered]);
  const kinds = useMemo(() => kindsPresent(nodes), [nodes]);
  const byId = useMemo(() => new Map(nodes.map((n) => [n.id, n])), [nodes]);
  const lit = useMemo(() => highlightedItems(path ?? [], drawn.drawnAs), [path, drawn]);
  const litEdges = useMemo(() => highlightedEdges(path ?? [], drawn.drawnAs), [path, drawn]);

  const open = useCallback((id: NodeId) => setSelected({ id, opener: document.activeElement }), []);
  // Read by the Escape listener and close(), both made once: a listener re-registered after every render
  // would miss an Escape pressed right after the details opened.
  const selectedNow = useRef(selected);
  selectedNow.current = selected;
  // Closing hands the focus back to what opened the details (a graph node, a list row), if still there.
  const close = useCallback(() => {
    const opener = selectedNow.current?.opener;
    setSelected(undefined);
    if (opener instanceof HTMLElement || opener instanceof SVGElement) queueMicrotask(() => opener.isConnected && opener.focus());
  }, []);
  // Expanding or collapsing replaces the focused element: focus follows to the gateway's new shape.
  const focusAfterFold = useRef<NodeId | undefined>(undefined);
  const fold = useCallback((gateway: string, collapse: boolean) => {
    focusAfterFold.current = gatewayGroupId(gateway);
    setFolding((f) => new Map(f).set(gateway, collapse));
  }, []);
  const toggleGroup = useCallback((gateway: string) => fold(gateway, !collapsed.has(gateway)), [fold, collapsed]);
  useLayoutEffect(() => {
    const id = focusAfterFold.current;
    if (id === undefined) return;
    focusAfterFold.current = undefined;
    document.querySelector<SVGElement>(`svg [data-node-id="${CSS.escape(id)}"], svg [data-group-id="${CSS.escape(id)}"]`)?.focus();
  }, [drawn]);
  const collapseAll = useCallback((collapse: boolean) => setFolding(new Map((doc?.gatewayNames ?? []).map((g) => [g, collapse]))), [doc]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape' && selectedNow.current) close();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [close]);

  const selectedNode = selected ? byId.get(selected.id) : undefined;
  const selectedGateway = selectedNode?.kind === 'Gateway' ? `${selectedNode.namespace}/${selectedNode.name}` : undefined;

  return (
    <main id="portico-ui" data-graph-version={graphVersion ?? ''}>
      <header class="top">
        <h1>Portico</h1>
        {doc && <TotalsBar totals={doc.totals} controllerName={doc.controllerName} translatedAt={doc.translatedAt} />}
        <p id="live" data-state={live} class={`live live-${live}`} role="status">
          <span aria-hidden="true">{live === 'connected' ? '●' : '○'}</span> {live === 'connected' ? 'Live' : 'Reconnecting…'}
        </p>
      </header>
      {graph.error && (
        <p class="error-text banner" role="alert">
          Graph: {graph.error}
        </p>
      )}
      <FiltersBar
        filters={filters}
        namespaces={doc?.namespaces ?? []}
        gateways={doc?.gatewayNames ?? []}
        kinds={kinds}
        onChange={setFilters}
        {...(doc && doc.gatewayNames.length > 0 ? { onCollapseAll: collapseAll } : {})}
      />
      <div class="workspace">
        <section class="topology" aria-label="Topology">
          {doc ? (
            <GraphView drawn={drawn} highlightedItems={lit} highlightedEdges={litEdges} selectedId={selected?.id} onOpen={open} onToggleGroup={toggleGroup} />
          ) : (
            !graph.error && <p class="muted">Loading the graph…</p>
          )}
        </section>
        {selected && (
          <DetailsPanel
            id={selected.id}
            node={selectedNode}
            graphVersion={graphVersion ?? ''}
            onClose={close}
            {...(selectedGateway && !collapsed.has(selectedGateway) ? { onCollapse: () => fold(selectedGateway, true) } : {})}
          />
        )}
      </div>
      <div class="lower">
        <ExplainBox gateways={doc?.gatewayNames ?? []} onPath={setPath} onOpen={open} />
        <DataPlanePanel doc={dataplane.doc} error={dataplane.error} />
        <ObjectList nodes={listed} selectedId={selected?.id} onOpen={open} />
      </div>
    </main>
  );
}
