/** The words the page shows and reads out for nodes (the DOM contract fixes the aria-label's form). */
import type { GraphNode } from '../../contract.js';
import type { DrawnGroup } from './collapse-graph.js';

/** `<ns>/<name>`, or `<name>` for a cluster-scoped object. */
export function qualifiedName(node: Pick<GraphNode, 'namespace' | 'name'>): string {
  return node.namespace ? `${node.namespace}/${node.name}` : node.name;
}

/** `<kind> <ns>/<name>: <health>` (DOM contract). */
export function nodeAriaLabel(node: GraphNode): string {
  return `${node.kind} ${qualifiedName(node)}: ${node.health}`;
}

export function groupAriaLabel(group: DrawnGroup, expanded: boolean): string {
  const problems = group.problems === 1 ? '1 problem' : `${group.problems} problems`;
  return `Gateway ${group.gateway}: ${group.health}, ${group.members.length} objects, ${problems}${expanded ? '' : ', collapsed'}`;
}

/** Text cut to `max` characters with an ellipsis: SVG text does not wrap or clip by itself. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
