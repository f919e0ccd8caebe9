import type { CelInput, CelList, CelMap } from '@bufbuild/cel';
import { escapeCelProperty, toCelValue } from './cel-value.js';

describe('escapeCelProperty (apiserver/pkg/cel/escaping.go)', () => {
  it.each([
    ['name', 'name'],
    ['namespace', '__namespace__'],
    ['if', '__if__'],
    ['a.b', 'a__dot__b'],
    ['a-b', 'a__dash__b'],
    ['a/b', 'a__slash__b'],
    ['a__b', 'a__underscores__b'],
    ['a_b', 'a_b'],
  ])('%s → %s', (name, escaped) => expect(escapeCelProperty(name)).toBe(escaped));

  it.each(['', '1abc', 'a b', 'a:b'])('%j cannot be named in CEL', (name) => expect(escapeCelProperty(name)).toBeUndefined());
});

describe('toCelValue', () => {
  const schema = {
    type: 'object',
    properties: {
      port: { type: 'integer' },
      weight: { type: 'number' },
      namespace: { type: 'string' },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      refs: { type: 'array', items: { type: 'object', properties: { port: { type: 'integer' } } } },
    },
  };

  it('types values by the schema: integers are ints, numbers doubles; fields escaped, map keys kept', () => {
    const value = toCelValue(
      { port: 80, weight: 1, namespace: 'ns', labels: { 'app.io/name': 'x' }, refs: [{ port: 8080 }] },
      schema,
      new Map(),
    ) as CelMap;
    expect(value.get('port')).toBe(80n);
    expect(value.get('weight')).toBe(1);
    expect(value.get('__namespace__')).toBe('ns');
    expect(value.has('namespace')).toBe(false);
    expect([...(value.get('labels') as CelMap)]).toEqual([['app.io/name', 'x']]);
    const refs = value.get('refs') as CelList;
    expect(refs.size).toBe(1);
    expect([...(refs.get(0) as CelMap)]).toEqual([['port', 8080n]]);
  });

  it('converts a shared subtree once', () => {
    const cache = new Map<object, CelInput>();
    const refs = [{ port: 1 }];
    const whole = toCelValue({ refs }, schema, cache) as CelMap;
    expect(toCelValue(refs, schema.properties.refs, cache)).toBe(whole.get('refs'));
  });

  it('without a schema: integers are ints, other numbers doubles', () => {
    expect(toCelValue(3, undefined, new Map())).toBe(3n);
    expect(toCelValue(0.5, undefined, new Map())).toBe(0.5);
    expect(toCelValue(null, undefined, new Map())).toBeNull();
  });
});
