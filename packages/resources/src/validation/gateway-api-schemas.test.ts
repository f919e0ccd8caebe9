import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { gatewayApiSchemaFile } from './gateway-api-schemas.js';
import { ALL_KINDS, KINDS } from '../model/kinds.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const CRDS = resolve(REPO_ROOT, '../shared/crds/gateway-api-v1.7.0/experimental');
/** The release before, which clusters installed with an earlier chart still run (Helm never upgrades `crds/`). */
const PREVIOUS_CRDS = resolve(REPO_ROOT, '../shared/crds/gateway-api/experimental');
const GENERATOR = resolve(REPO_ROOT, 'scripts/generate-schemas.mjs');

/** Every [keyword, value, path] in a schema tree, walking only schema positions. */
function* keywords(schema: unknown, path = ''): Generator<[string, unknown, string]> {
  if (Array.isArray(schema)) {
    for (const [i, s] of schema.entries()) yield* keywords(s, `${path}[${i}]`);
    return;
  }
  if (!schema || typeof schema !== 'object') return;
  for (const [key, value] of Object.entries(schema)) {
    yield [key, value, path];
    if (key === 'properties') {
      for (const [name, s] of Object.entries(value as object)) yield* keywords(s, `${path}.${name}`);
    } else if (!['default', 'enum', 'required', 'x-kubernetes-list-map-keys'].includes(key)) {
      yield* keywords(value, `${path}/${key}`);
    }
  }
}

describe('schemas/gateway-api.json', () => {
  const file = gatewayApiSchemaFile();

  // CI has ../shared/crds; a checkout without it can still run every other test.
  (existsSync(CRDS) ? it : it.skip)('is what scripts/generate-schemas.mjs makes of ../shared/crds', () => {
    const run = spawnSync(process.execPath, [GENERATOR, '--check', '--crds', CRDS], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('comes from a Gateway API release, experimental channel', () => {
    expect(file.bundleVersion).toMatch(/^v1\.\d+\.\d+$/);
    expect(file.channel).toBe('experimental');
  });

  it('has a schema for every accepted version of every watched Gateway API kind', () => {
    const gatewayKinds = ALL_KINDS.filter((k) => KINDS[k].group === 'gateway.networking.k8s.io');
    const expected = gatewayKinds.flatMap((k) => KINDS[k].versions.map((v) => `${k}/${v}`));
    expect(expected.filter((key) => !(key in file.schemas))).toEqual([]);
  });

  // The Kubernetes provider reads a kind at the most preferred of KINDS' versions the API server serves,
  // the file provider accepts any of them: every version either release serves must be one.
  (existsSync(CRDS) && existsSync(PREVIOUS_CRDS) ? it : it.skip)('accepts every version the v1.7.0 and v1.6.1 CRDs serve', () => {
    const unaccepted: string[] = [];
    for (const dir of [CRDS, PREVIOUS_CRDS]) {
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
        for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
          const crd = doc.toJS() as { kind?: string; spec?: { group: string; names: { kind: string }; versions: { name: string; served: boolean }[] } } | null;
          if (crd?.kind !== 'CustomResourceDefinition' || crd.spec?.group !== 'gateway.networking.k8s.io') continue;
          const accepted = (KINDS as Record<string, { versions: readonly string[] } | undefined>)[crd.spec.names.kind]?.versions ?? [];
          for (const v of crd.spec.versions) if (v.served && !accepted.includes(v.name)) unaccepted.push(`${dir}: ${crd.spec.names.kind}/${v.name}`);
        }
      }
    }
    expect(unaccepted).toEqual([]);
  });

  it('is compact: no descriptions', () => {
    const dropped = [...keywords(file.schemas)].filter(([k]) => k === 'description');
    expect(dropped.map(([, , path]) => path)).toEqual([]);
    // GatewayClass has a spec field named `description`: a field, not a keyword, so it stays.
    expect(file.schemas['GatewayClass/v1']?.properties.spec.properties.description).toEqual(expect.objectContaining({ type: 'string' }));
  });

  it('keeps the CEL rules, with only the fields the API server reads', () => {
    const rules = [...keywords(file.schemas)].filter(([k]) => k === 'x-kubernetes-validations').flatMap(([, v]) => v as object[]);
    expect(rules.length).toBeGreaterThan(300);
    const fields = new Set(rules.flatMap((r) => Object.keys(r)));
    expect([...fields].filter((f) => !['rule', 'message', 'messageExpression', 'fieldPath', 'reason', 'optionalOldSelf'].includes(f))).toEqual([]);
    const rewrite = file.schemas['HTTPRoute/v1']?.properties.spec.properties.rules.items.properties.filters.items.properties.urlRewrite.properties.path;
    expect(rewrite['x-kubernetes-validations']).toContainEqual({
      rule: "self.type == 'ReplaceFullPath' ? has(self.replaceFullPath) : true",
      message: 'replaceFullPath must be specified when type is set to \'ReplaceFullPath\'',
    });
  });

  it('has no default under anyOf/oneOf/allOf/not, where ajv would not apply it', () => {
    const misplaced: string[] = [];
    for (const [key, value, path] of keywords(file.schemas)) {
      if (!['anyOf', 'oneOf', 'allOf', 'not'].includes(key)) continue;
      for (const [inner, , innerPath] of keywords(value, `${path}/${key}`)) if (inner === 'default') misplaced.push(innerPath);
    }
    expect(misplaced).toEqual([]);
  });

  it('holds the defaults the translator relies on', () => {
    const route = file.schemas['HTTPRoute/v1']?.properties.spec.properties;
    expect(route.rules.items.properties.matches.default).toEqual([{ path: { type: 'PathPrefix', value: '/' } }]);
    expect(route.parentRefs.items.properties.kind.default).toBe('Gateway');
  });
});
