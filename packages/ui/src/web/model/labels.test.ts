import { examplesGraph } from './fixtures/examples-graph.js';
import { groupAriaLabel, nodeAriaLabel, qualifiedName, truncate } from './labels.js';

describe('labels', () => {
  const nodes = examplesGraph().nodes;
  const byId = (id: string) => nodes.find((n) => n.id === id)!;

  it('reads a node as the DOM contract says: "<kind> <ns>/<name>: <health>"', () => {
    expect(nodeAriaLabel(byId('HTTPRoute/default/shop'))).toBe('HTTPRoute default/shop: ok');
    expect(nodeAriaLabel(byId('GatewayClass/portico'))).toBe('GatewayClass portico: ok');
    expect(qualifiedName(byId('Listener/default/demo/https'))).toBe('default/https');
  });

  it('reads a group with its size and problems', () => {
    const group = { type: 'group' as const, id: 'Gateway/a/b', gateway: 'a/b', health: 'error' as const, members: ['x', 'y'], problems: 1 };
    expect(groupAriaLabel(group, false)).toBe('Gateway a/b: error, 2 objects, 1 problem, collapsed');
  });

  it('truncates long names with an ellipsis', () => {
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('a-very-long-route-name', 10)).toBe('a-very-lo…');
    expect(truncate('a-very-long-route-name', 10)).toHaveLength(10);
  });
});
