/**
 * testdata/cel/refused.yaml: each object with the error the API server gives for it (its
 * `portico.dev/expected-error` annotation, checked against a real kube-apiserver by
 * e2e/test/kubernetes/kube-apiserver-cel.test.ts); loading it here must fail with the same words.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { ResourceLoadError } from '../loading/errors.js';
import { parseResources } from '../loading/parse-resources.js';

const FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../testdata/cel/refused.yaml');
const EXPECTED = 'portico.dev/expected-error';

const documents = parseAllDocuments(readFileSync(FILE, 'utf8')).map((doc) => doc.toJS() as { kind: string; metadata: { name: string; annotations: Record<string, string> } });

describe('testdata/cel/refused.yaml', () => {
  it('has cases of every kind with rules', () => {
    expect(new Set(documents.map((d) => d.kind))).toEqual(new Set(['Gateway', 'HTTPRoute', 'GRPCRoute', 'BackendTLSPolicy', 'ListenerSet', 'TLSRoute']));
  });

  it.each(documents.map((d) => [`${d.kind} ${d.metadata.name}`, d] as const))('%s is refused as the API server refuses it', (_name, document) => {
    let error: unknown;
    try {
      parseResources(JSON.stringify(document), 'refused.yaml');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ResourceLoadError);
    const { path, detail } = error as ResourceLoadError;
    expect(`${path}: ${detail}`).toBe(document.metadata.annotations[EXPECTED]);
  });
});
