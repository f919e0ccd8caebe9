/** The topology: dagre-laid SVG of the drawn (filtered, maybe collapsed) graph. */
import type { Health } from '../../contract.js';
import type { DrawnGraph } from '../model/collapse-graph.js';
import { layoutGraph, reuseLayout, type GraphLayout } from '../model/layout-graph.js';
import { EDGE_OK, HEALTH_COLOURS, PATH_COLOUR } from '../model/palette.js';
import { useMemo, useRef } from 'preact/hooks';
import { EdgeShape, GroupShape, NodeShape } from './graph-shapes.js';


function Arrow({ id, colour }: { id: string; colour: string }) {
  return (
    <marker id={id} viewBox="0 0 10 10" refX={9} refY={5} markerUnits="userSpaceOnUse" markerWidth={10} markerHeight={10} orient="auto-start-reverse">
      <path d="M0,0 L10,5 L0,10 z" fill={colour} />
    </marker>
  );
}

const ARROWS: [string, string][] = [
  ...(['error', 'warning', 'unknown'] as Health[]).map((h): [string, string] => [`arrow-${h}`, HEALTH_COLOURS[h].stroke]),
  ['arrow-ok', EDGE_OK],
  ['arrow-path', PATH_COLOUR],
];

/** The graph shrinks to fit its pane, down to this scale; past it the pane scrolls (text stays legible). */
const MIN_SCALE = 0.75;

export interface GraphViewProps {
  drawn: DrawnGraph;
  highlightedItems: ReadonlySet<string>;
  highlightedEdges: ReadonlySet<string>;
  selectedId: string | undefined;
  onOpen(id: string): void;
  onToggleGroup(gateway: string): void;
}

export function GraphView({ drawn, highlightedItems, highlightedEdges, selectedId, onOpen, onToggleGroup }: GraphViewProps) {
  const previous = useRef<GraphLayout | undefined>(undefined);
  const laid = useMemo(() => (previous.current = (previous.current && reuseLayout(previous.current, drawn)) ?? layoutGraph(drawn)), [drawn]);
  if (laid.items.length === 0) {
    return <p class="graph-empty">No object matches the filters.</p>;
  }
  return (
    <div class="graph-scroll">
      <svg
        class="graph"
        width={laid.width}
        height={laid.height}
        viewBox={`0 0 ${laid.width} ${laid.height}`}
        style={{ minWidth: `${Math.round(laid.width * MIN_SCALE)}px` }}
        role="group"
        aria-label={`Topology: ${laid.items.length} items`}
      >
        <defs>
          {ARROWS.map(([id, colour]) => (
            <Arrow key={id} id={id} colour={colour} />
          ))}
        </defs>
        <g class="edges">
          {laid.edges.map(({ edge, points }) => (
            <EdgeShape key={edge.id} edge={edge} points={points} highlighted={highlightedEdges.has(edge.id)} />
          ))}
        </g>
        <g class="nodes">
          {laid.items.map((place) =>
            place.item.type === 'group' ? (
              <GroupShape key={place.item.id} group={place.item} place={place} highlighted={highlightedItems.has(place.item.id)} onToggle={onToggleGroup} />
            ) : (
              <NodeShape key={place.item.id} node={place.item.node} place={place} highlighted={highlightedItems.has(place.item.id)} selected={selectedId === place.item.id} onOpen={onOpen} />
            ),
          )}
        </g>
      </svg>
    </div>
  );
}
