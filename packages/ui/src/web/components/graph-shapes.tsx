/** The SVG of one drawn node, one collapsed gateway group, one edge. Attributes follow the DOM contract. */
import type { GraphNode } from '../../contract.js';
import type { DrawnEdge, DrawnGroup } from '../model/collapse-graph.js';
import { HEALTH_ICON, HEALTH_LABEL, worstHealth } from '../model/health.js';
import { groupAriaLabel, nodeAriaLabel, qualifiedName, truncate } from '../model/labels.js';
import type { PlacedItem, Point } from '../model/layout-graph.js';
import { EDGE_OK, HEALTH_COLOURS, MUTED_TEXT, PATH_COLOUR, TEXT } from '../model/palette.js';

/** Enter and Space act on an SVG element with role="button", as they do on a real button. */
function onActivateKey(activate: () => void) {
  return (event: KeyboardEvent): void => {
    if (event.key !== 'Enter' && event.key !== ' ') return;
    event.preventDefault();
    activate();
  };
}

export function NodeShape({ node, place, highlighted, selected, onOpen }: { node: GraphNode; place: PlacedItem; highlighted: boolean; selected: boolean; onOpen(id: string): void }) {
  const colours = HEALTH_COLOURS[node.health];
  const open = (): void => onOpen(node.id);
  const badgeHealth = worstHealth(node.badges.map((b) => (b.level === 'FAIL' ? 'error' : 'warning')));
  return (
    <g
      class={`graph-node${selected ? ' is-selected' : ''}`}
      transform={`translate(${place.x},${place.y})`}
      data-node-id={node.id}
      data-health={node.health}
      data-kind={node.kind}
      data-highlighted={highlighted ? 'true' : undefined}
      tabindex={0}
      role="button"
      aria-label={nodeAriaLabel(node)}
      onClick={open}
      onKeyDown={onActivateKey(open)}
    >
      <title>{`${node.kind} ${qualifiedName(node)}: ${node.health}${node.summary ? `\n${node.summary}` : ''}`}</title>
      <rect class="node-box" width={place.width} height={place.height} rx={6} fill={colours.fill} stroke={highlighted ? PATH_COLOUR : colours.stroke} />
      <text x={10} y={17} class="node-kind" fill={colours.accent}>
        {`${HEALTH_ICON[node.health]} ${node.kind} · ${HEALTH_LABEL[node.health]}`}
      </text>
      <text x={10} y={35} class="node-name" fill={TEXT}>
        {truncate(qualifiedName(node), 26)}
      </text>
      <text x={10} y={50} class="node-summary" fill={MUTED_TEXT}>
        {truncate(node.summary, 32)}
      </text>
      {node.badges.length > 0 && (
        <g class="node-badge" transform={`translate(${place.width - 14},14)`}>
          <circle r={10} fill={HEALTH_COLOURS[badgeHealth].accent} />
          <text class="node-badge-count" text-anchor="middle" y={4} fill="#ffffff">
            {String(node.badges.length)}
          </text>
        </g>
      )}
    </g>
  );
}

export function GroupShape({ group, place, highlighted, onToggle }: { group: DrawnGroup; place: PlacedItem; highlighted: boolean; onToggle(gateway: string): void }) {
  const colours = HEALTH_COLOURS[group.health];
  const toggle = (): void => onToggle(group.gateway);
  return (
    <g
      class="graph-group"
      transform={`translate(${place.x},${place.y})`}
      data-group-id={group.id}
      data-health={group.health}
      data-highlighted={highlighted ? 'true' : undefined}
      tabindex={0}
      role="button"
      aria-expanded="false"
      aria-label={groupAriaLabel(group, false)}
      onClick={toggle}
      onKeyDown={onActivateKey(toggle)}
    >
      <title>{`Gateway ${group.gateway}: ${group.members.length} objects collapsed; Enter expands`}</title>
      <rect class="group-shadow" x={5} y={5} width={place.width} height={place.height} rx={8} fill="#ffffff" stroke={colours.stroke} />
      <rect class="node-box" width={place.width} height={place.height} rx={8} fill={colours.fill} stroke={highlighted ? PATH_COLOUR : colours.stroke} />
      <text x={10} y={18} class="node-kind" fill={colours.accent}>
        {`${HEALTH_ICON[group.health]} Gateway (collapsed) · ${HEALTH_LABEL[group.health]}`}
      </text>
      <text x={10} y={38} class="node-name" fill={TEXT}>
        {`▸ ${truncate(group.gateway, 26)}`}
      </text>
      <text x={10} y={57} class="node-summary" fill={MUTED_TEXT}>
        {`${group.members.length} objects · ${group.problems} with problems`}
      </text>
    </g>
  );
}

function pathOf(points: readonly Point[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}

export function EdgeShape({ edge, points, highlighted }: { edge: DrawnEdge; points: readonly Point[]; highlighted: boolean }) {
  if (points.length < 2) return null;
  const d = pathOf(points);
  const title = edge.label ?? (edge.count > 1 ? `${edge.count} ${edge.kind} edges` : edge.kind);
  return (
    <g class={`graph-edge edge-${edge.health} edge-kind-${edge.kind}${highlighted ? ' is-highlighted' : ''}`} data-edge-id={edge.id} data-edge-kind={edge.kind} data-health={edge.health}>
      <title>{edge.health === 'ok' ? title : `${HEALTH_LABEL[edge.health]}: ${title}`}</title>
      <path class="edge-hit" d={d} />
      <path
        class="edge-line"
        d={d}
        stroke={highlighted ? PATH_COLOUR : edge.health === 'ok' ? EDGE_OK : HEALTH_COLOURS[edge.health].stroke}
        marker-end={`url(#arrow-${highlighted ? 'path' : edge.health})`}
      />
    </g>
  );
}
