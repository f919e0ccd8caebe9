import type { Service } from '../model/core.js';
import type { Gateway, GatewayClass } from '../model/gateway-api.js';
import { ResourceSet } from './resource-set.js';

const gateway = (namespace: string | undefined, name: string, className = 'portico'): Gateway => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: namespace === undefined ? { name } : { name, namespace },
  spec: { gatewayClassName: className, listeners: [] },
});

const gatewayClass = (name: string): GatewayClass => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'GatewayClass',
  metadata: { name },
  spec: { controllerName: 'portico.dev/gateway-controller' },
});

const service = (namespace: string, name: string): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: {},
});

describe('ResourceSet', () => {
  it('indexes objects by kind and namespace/name', () => {
    const set = ResourceSet.from([gateway('a', 'eg'), gateway('b', 'eg'), service('a', 'eg'), gatewayClass('portico')]);
    expect(set.size).toBe(4);
    expect(set.get('Gateway', 'a', 'eg')?.metadata.namespace).toBe('a');
    expect(set.get('Gateway', 'c', 'eg')).toBeUndefined();
    expect(set.get('Service', 'a', 'eg')?.kind).toBe('Service');
    expect(set.get('GatewayClass', undefined, 'portico')?.kind).toBe('GatewayClass');
  });

  it('keys namespaced objects without a namespace under default', () => {
    const set = ResourceSet.from([gateway(undefined, 'eg')]);
    expect(set.get('Gateway', 'default', 'eg')).toBeDefined();
    expect(set.get('Gateway', undefined, 'eg')).toBeDefined();
  });

  it('ignores the namespace of cluster-scoped kinds', () => {
    const set = ResourceSet.from([gatewayClass('portico')]);
    expect(set.get('GatewayClass', 'anything', 'portico')).toBeDefined();
  });

  it('replaces on upsert, returns the previous object, and keeps the first position', () => {
    const set = ResourceSet.from([gateway('a', 'one'), gateway('a', 'two')]);
    const previous = set.upsert<'Gateway'>(gateway('a', 'one', 'other'));
    expect(previous?.spec.gatewayClassName).toBe('portico');
    expect(set.list('Gateway').map((g) => [g.metadata.name, g.spec.gatewayClassName])).toEqual([
      ['one', 'other'],
      ['two', 'portico'],
    ]);
    expect(set.upsert(gateway('a', 'three'))).toBeUndefined();
    expect(set.size).toBe(3);
  });

  it('lists by kind and by namespace, in insertion order', () => {
    const set = ResourceSet.from([gateway('b', 'x'), gateway('a', 'y'), gateway('b', 'z')]);
    expect(set.list('Gateway').map((g) => g.metadata.name)).toEqual(['x', 'y', 'z']);
    expect(set.listIn('Gateway', 'b').map((g) => g.metadata.name)).toEqual(['x', 'z']);
    expect(set.list('HTTPRoute')).toEqual([]);
  });

  it('deletes', () => {
    const set = ResourceSet.from([gateway('a', 'eg'), service('a', 'eg')]);
    expect(set.delete('Gateway', 'a', 'eg')).toBe(true);
    expect(set.delete('Gateway', 'a', 'eg')).toBe(false);
    expect(set.get('Gateway', 'a', 'eg')).toBeUndefined();
    expect(set.size).toBe(1);
  });

  it('iterates every object, kinds in first-seen order', () => {
    const set = ResourceSet.from([service('a', 's'), gateway('a', 'g1'), service('a', 't'), gateway('a', 'g2')]);
    expect([...set.all()].map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Service/s', 'Service/t', 'Gateway/g1', 'Gateway/g2']);
  });
});

describe('ResourceSet.clone', () => {
  it('copies on write: neither set sees the other change, and unchanged kinds stay shared', () => {
    const original = ResourceSet.from([gateway('a', 'eg'), service('a', 'web'), gatewayClass('portico')]);
    const copy = original.clone();
    copy.upsert(service('a', 'api'));
    copy.delete('Gateway', 'a', 'eg');
    original.upsert(service('b', 'only-in-original'));
    expect(original.list('Service').map((s) => s.metadata.name)).toEqual(['web', 'only-in-original']);
    expect(original.get('Gateway', 'a', 'eg')).toBeDefined();
    expect(copy.list('Service').map((s) => s.metadata.name)).toEqual(['web', 'api']);
    expect(copy.get('Gateway', 'a', 'eg')).toBeUndefined();
    expect(copy.get('GatewayClass', undefined, 'portico')).toBe(original.get('GatewayClass', undefined, 'portico'));
    // A clone of a clone is as independent.
    const third = copy.clone();
    third.upsert(gatewayClass('other'));
    expect(copy.list('GatewayClass')).toHaveLength(1);
    expect(third.size).toBe(copy.size + 1);
  });
});
