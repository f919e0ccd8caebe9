/**
 * WRITTEN_CONDITION_TYPES against what the translator really writes over every golden input: a type
 * written but not listed would never be cleaned up once we stop writing it; a type listed but never
 * written would make the status writer remove another controller's condition of that type.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseResources, ResourceSet } from '@portico/resources';
import { WRITTEN_CONDITION_TYPES, type WrittenConditionLevel } from './condition-types.js';
import { translate } from '../translate.js';

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../testdata/translator');

type Seen = Record<WrittenConditionLevel, Set<string>>;

function typesOf(conditions: unknown): string[] {
  return (Array.isArray(conditions) ? conditions : []).map((c: { type?: unknown }) => String(c.type));
}

function collect(seen: Seen, kind: string, status: Record<string, unknown>): void {
  const add = (level: WrittenConditionLevel, conditions: unknown) => typesOf(conditions).forEach((t) => seen[level].add(t));
  const entries = (field: string) => (Array.isArray(status[field]) ? (status[field] as { conditions?: unknown }[]) : []);
  if (kind === 'GatewayClass') add('gatewayClass', status['conditions']);
  if (kind === 'Gateway' || kind === 'ListenerSet') {
    add(kind === 'Gateway' ? 'gateway' : 'listenerSet', status['conditions']);
    for (const listener of entries('listeners')) add('listener', listener.conditions);
  }
  for (const parent of entries('parents')) add('routeParent', parent.conditions);
  for (const ancestor of entries('ancestors')) add('policyAncestor', ancestor.conditions);
}

describe('WRITTEN_CONDITION_TYPES', () => {
  const seen: Seen = { gatewayClass: new Set(), gateway: new Set(), listenerSet: new Set(), listener: new Set(), routeParent: new Set(), policyAncestor: new Set() };
  beforeAll(() => {
    const inputs = readdirSync(DIR).filter((f) => f.endsWith('.in.yaml'));
    for (const file of inputs) {
      const path = join(DIR, file);
      // Translator cases include objects the API server refuses (CEL rules, duplicate list keys): their translation is tested.
      const { objects } = parseResources(readFileSync(path, 'utf8'), path, { kubernetesRules: 'warn' });
      const result = translate(ResourceSet.from(objects as never), { now: new Date('2026-01-01T00:00:00Z') });
      for (const status of result.statuses.values()) collect(seen, status.kind, status.status as Record<string, unknown>);
    }
  });

  it.each(Object.keys(WRITTEN_CONDITION_TYPES) as WrittenConditionLevel[])('%s: lists exactly the types the golden cases write', (level) => {
    expect([...seen[level]].sort()).toEqual([...WRITTEN_CONDITION_TYPES[level]].sort());
  });
});
