import { fileURLToPath } from 'node:url';
import { loadResources } from './load-resources.js';
import { parseJsonResources } from './parse-resources.js';

describe('parseJsonResources (the state directory reads its entries with it)', () => {
  it('loads what parseResources loaded, saved as a JSON List, to the same objects', async () => {
    const examples = fileURLToPath(new URL('../../../../examples', import.meta.url));
    const { objects } = await loadResources([examples]);
    expect(objects.length).toBeGreaterThan(10);
    const again = parseJsonResources(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }), 'state');
    expect(again.objects).toEqual(objects);
  });

  it('refuses invalid JSON and invalid objects, naming the source and the field', async () => {
    expect(() => parseJsonResources('{"apiVersion":', 'state')).toThrow(/^state: document 1: invalid JSON: /);
    expect(() => parseJsonResources('{"apiVersion":"v1","kind":"Service","metadata":{"name":"a"},"spec":{"ports":[{"port":"80"}]}}', 'state')).toThrow(
      'state: document 1 (Service default/a): spec.ports[0].port: must be integer (got string "80")',
    );
  });
});
