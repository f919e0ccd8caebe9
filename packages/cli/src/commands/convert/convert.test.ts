import { describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { CliIO } from '../../cli-io.js';
import { main } from '../../main.js';

const CORPUS = fileURLToPath(new URL('../../../../../testdata/convert/nginx-corpus.in.yaml', import.meta.url));

const EXACT = `apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: blog, namespace: default }
spec:
  rules:
  - host: blog.example.com
    http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { name: http } } } }] }
`;

async function run(argv: string[], stdin?: string) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    readStdin: () => (stdin === undefined ? Promise.reject(new Error('stdin not expected')) : Promise.resolve(stdin)),
  };
  return { code: await main(argv, io), stdout, stderr };
}

describe('portico convert', () => {
  it('exits 0 and reports nothing when everything converts exactly; other objects pass through', async () => {
    const { code, stdout, stderr } = await run(['convert', '-f', '-', '--gateway-class', 'edge'], EXACT);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const objects = parseAllDocuments(stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec: any });
    // --gateway-class names an existing class: not created.
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Service/web', 'Gateway/ingress', 'HTTPRoute/blog']);
    expect(objects[1]!.spec.gatewayClassName).toBe('edge');
    // The named port is resolved from the Service: a backendRef needs a number.
    expect(objects[2]!.spec.rules[0].backendRefs).toEqual([{ name: 'web', port: 80 }]);
    const created = await run(['convert', '-f', '-'], EXACT);
    expect(parseAllDocuments(created.stdout).map((d) => d.toJS().kind)).toEqual(['Service', 'GatewayClass', 'Gateway', 'HTTPRoute']);
  });

  it('exits 3 with one report line per Ingress and annotation that cannot be expressed, and the report in -o json', async () => {
    const yaml = await run(['convert', '-f', CORPUS]);
    expect(yaml.code).toBe(3);
    expect(yaml.stderr).toContain('portico: convert: partial: Ingress shop/shop-legacy: permanent/temporal redirect');
    const json = await run(['convert', '-f', CORPUS, '-o', 'json']);
    expect(json.code).toBe(3);
    const list = JSON.parse(json.stdout) as { kind: string; items: { kind: string }[]; report: { ingress: string; level: string; annotation?: string }[] };
    expect(list.kind).toBe('List');
    expect(list.items.filter((o) => o.kind === 'Ingress')).toEqual([]);
    expect(list.report).toContainEqual(expect.objectContaining({ ingress: 'shop/shop-legacy', level: 'partial' }));
    // auth-url is converted (a SecurityPolicy extAuth), so it is not in the report.
    expect(list.report.filter((r) => r.annotation?.endsWith('auth-url'))).toEqual([]);
    expect(list.report.length).toBe(yaml.stderr.split('\n').filter((l) => l.startsWith('portico: convert: ')).length);
  });

  it('exits 1 on invalid arguments and on input that does not load', async () => {
    expect((await run(['convert'])).code).toBe(1);
    expect((await run(['convert', '-f', CORPUS, '-o', 'table'])).stderr).toContain("invalid --output 'table'");
    expect((await run(['convert', '-f', CORPUS, '--gateway-class', 'Not_A_Name'])).code).toBe(1);
    const broken = await run(['convert', '-f', '-'], 'kind: Ingress\napiVersion: networking.k8s.io/v1\nmetadata: {}\n');
    expect(broken.code).toBe(1);
  });

  it('puts the Gateways in --gateway-namespace: routes name it, Secrets elsewhere get a ReferenceGrant', async () => {
    const { code, stdout } = await run(['convert', '-f', CORPUS, '--gateway-namespace', 'edge']);
    expect(code).toBe(3);
    const objects = parseAllDocuments(stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string }; spec: any });
    expect(objects.filter((o) => o.kind === 'Gateway').map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['edge/nginx']);
    expect(objects.filter((o) => o.kind === 'ReferenceGrant' && o.spec.from[0].kind === 'Gateway').map((o) => o.metadata.namespace)).toEqual(['api', 'blog', 'platform', 'shop']);
    expect(objects.filter((o) => o.kind === 'HTTPRoute').every((o) => o.spec.parentRefs.every((p: { namespace?: string }) => p.namespace === 'edge'))).toBe(true);
    expect((await run(['convert', '-f', CORPUS, '--gateway-namespace', 'Edge'])).code).toBe(1);
  });

  it('prints its help, also through portico help', async () => {
    expect((await run(['convert', '--help'])).stdout).toContain('Usage: portico convert -f FILE|DIR');
    expect((await run(['help', 'convert'])).stdout).toContain('Usage: portico convert');
    expect((await run(['help'])).stdout).toContain('convert     Convert Ingress');
  });
});
