import type { SchemaObject } from 'ajv';
import { findDuplicateListItem } from './list-type-validation.js';

const schema: SchemaObject = {
  type: 'object',
  properties: {
    names: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
    ports: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'integer' } },
    atomic: { type: 'array', 'x-kubernetes-list-type': 'atomic', items: { type: 'string' } },
    listeners: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      items: { type: 'object', properties: { name: { type: 'string' }, tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } } } },
    },
    endpoints: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['protocol', 'port'],
      items: { type: 'object', properties: { port: { type: 'integer' }, protocol: { type: 'string' } } },
    },
    byName: { type: 'object', additionalProperties: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } } },
  },
};

describe('findDuplicateListItem (listtype/validation.go)', () => {
  it('accepts unique sets and map lists, and repeats in atomic lists', () => {
    expect(findDuplicateListItem({ names: ['a', 'b'], ports: [1, 2], atomic: ['x', 'x'], listeners: [{ name: 'a' }, { name: 'b' }] }, schema)).toBeUndefined();
  });

  it('a set: the second of two equal items, the value quoted as the API server does', () => {
    expect(findDuplicateListItem({ names: ['a', 'b', 'a'] }, schema)).toEqual({ path: ['names', 2], detail: 'Duplicate value: "a"' });
    expect(findDuplicateListItem({ ports: [80, 80] }, schema)).toEqual({ path: ['ports', 1], detail: 'Duplicate value: 80' });
  });

  it('a map list: items with the same keys, shown as the keys (sorted, absent ones left out)', () => {
    expect(findDuplicateListItem({ listeners: [{ name: 'web' }, { name: 'web', tags: [] }] }, schema)).toEqual({
      path: ['listeners', 1],
      detail: 'Duplicate value: {"name":"web"}',
    });
    expect(findDuplicateListItem({ endpoints: [{ port: 80, protocol: 'TCP' }, { protocol: 'TCP', port: 80 }] }, schema)?.detail).toBe(
      'Duplicate value: {"port":80,"protocol":"TCP"}',
    );
    expect(findDuplicateListItem({ endpoints: [{ port: 80, protocol: 'TCP' }, { port: 80, protocol: 'UDP' }] }, schema)).toBeUndefined();
    expect(findDuplicateListItem({ listeners: [{}, {}] }, schema)?.detail).toBe('Duplicate value: {}');
  });

  it('looks inside items and maps', () => {
    expect(findDuplicateListItem({ listeners: [{ name: 'a', tags: ['x', 'x'] }] }, schema)?.path).toEqual(['listeners', 0, 'tags', 1]);
    expect(findDuplicateListItem({ byName: { k: ['v', 'v'] } }, schema)?.path).toEqual(['byName', 'k', 1]);
  });
});
