import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type { CliIO } from '../../cli-io.js';
import { main } from '../../main.js';

const OURS = 'portico.dev/gateway-controller';

/** A complete little setup: our GatewayClass, a Gateway on :80, a route to a Service with one endpoint. */
const INPUT = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico }
spec: { controllerName: ${OURS} }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: default }
spec:
  gatewayClassName: portico
  listeners:
  - { name: http, port: 80, protocol: HTTP }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: default }
spec:
  parentRefs: [{ name: gw }]
  hostnames: [example.com]
  rules:
  - backendRefs: [{ name: web, port: 80 }]
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec:
  ports: [{ name: http, port: 80, targetPort: 8080 }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-1
  namespace: default
  labels: { kubernetes.io/service-name: web }
addressType: IPv4
ports: [{ name: http, port: 8080 }]
endpoints:
- addresses: [10.0.0.1]
  conditions: { ready: true }
`;

let dir: string;
let inputFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portico-cli-'));
  inputFile = join(dir, 'input.yaml');
  writeFileSync(inputFile, INPUT);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], stdin?: string) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    readStdin: () => (stdin === undefined ? Promise.reject(new Error('stdin not expected')) : Promise.resolve(stdin)),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

type Obj = { kind: string; metadata: { name: string }; status?: Record<string, unknown> };

describe('portico translate', () => {
  test('--to gateway-api prints the Gateway API objects with status, as multi-document YAML', async () => {
    const { code, stdout, stderr } = await run(['translate', '-f', inputFile, '--to', 'gateway-api']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const objects = parseAllDocuments(stdout).map((doc) => doc.toJS() as Obj);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['GatewayClass/portico', 'Gateway/gw', 'HTTPRoute/web']);
    const [gatewayClass, gateway, route] = objects;
    expect(gatewayClass!.status!.conditions).toContainEqual(expect.objectContaining({ type: 'Accepted', status: 'True' }));
    expect(gateway!.status!.conditions).toContainEqual(expect.objectContaining({ type: 'Accepted', status: 'True' }));
    expect(route!.status!.parents).toEqual([
      expect.objectContaining({ controllerName: OURS, parentRef: expect.objectContaining({ name: 'gw' }) }),
    ]);
  });

  test('-o json prints a v1 List', async () => {
    const { code, stdout } = await run(['translate', '-f', inputFile, '--to', 'gateway-api', '-o', 'json']);
    expect(code).toBe(0);
    const list = JSON.parse(stdout) as { apiVersion: string; kind: string; items: Obj[] };
    expect(list.apiVersion).toBe('v1');
    expect(list.kind).toBe('List');
    expect(list.items.map((o) => o.kind)).toEqual(['GatewayClass', 'Gateway', 'HTTPRoute']);
  });

  test('--to ir prints the IR per gateway; stdin gives the same result as the file', async () => {
    const fromFile = await run(['translate', '-f', inputFile, '--to', 'ir']);
    expect(fromFile.code).toBe(0);
    const { ir } = parse(fromFile.stdout) as { ir: Record<string, { listeners: { port: number }[]; backends: { name: string }[] }> };
    expect(Object.keys(ir)).toEqual(['default/gw']);
    expect(ir['default/gw']!.listeners.map((l) => l.port)).toEqual([80]);
    expect(ir['default/gw']!.backends.map((b) => b.name)).toEqual(['default/web/80/http']);

    const fromStdin = await run(['translate', '-f', '-', '--to', 'ir'], INPUT);
    expect(fromStdin).toEqual(fromFile);
  });

  test('--controller-name: GatewayClasses of another controller are left alone, and stderr says why nothing was translated', async () => {
    const { code, stdout, stderr } = await run(['translate', '-f', inputFile, '--to', 'ir', '-o', 'json', '--controller-name', 'example.com/other']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ ir: {} });
    expect(stderr).toBe(
      'portico: warning: no GatewayClass with controllerName example.com/other in the input: nothing to translate\n' +
        'portico: warning: the HTTPRoute default/web has no parent here: its parentRefs (default/gw) name no Gateway of ours\n',
    );
  });

  test('nothing to translate: empty input, a lone HTTPRoute, a class without Gateway — said on stderr, exit code 0', async () => {
    const empty = await run(['translate', '-f', '-', '--to', 'ir'], '');
    expect(empty).toEqual({ code: 0, stdout: 'ir: {}\n', stderr: 'portico: warning: the input holds no objects: nothing to translate\n' });

    const route = INPUT.split('---\n')[2]!;
    const lone = await run(['translate', '-f', '-', '--to', 'gateway-api'], route);
    expect(lone.code).toBe(0);
    expect(lone.stderr).toBe(
      `portico: warning: no GatewayClass with controllerName ${OURS} in the input: nothing to translate\n` +
        'portico: warning: the HTTPRoute default/web has no parent here: its parentRefs (default/gw) name no Gateway of ours\n',
    );

    const classOnly = await run(['translate', '-f', '-', '--to', 'xds'], INPUT.split('---\n')[0]!);
    expect(classOnly.code).toBe(0);
    expect(classOnly.stderr).toBe(`portico: warning: no Gateway of GatewayClass portico (controllerName ${OURS}) in the input: nothing to translate\n`);
  });

  test('unknown fields: a warning naming the closest known field, and not echoed back by --to gateway-api', async () => {
    const typo = INPUT.replace('hostnames: [example.com]', 'hostname: [example.com]').replace('{ name: web, port: 80 }', '{ name: web, port: 80, wieght: 90 }');
    const { code, stdout, stderr } = await run(['translate', '-f', '-', '--to', 'gateway-api'], typo);
    expect(code).toBe(0);
    expect(stderr).toBe(
      'portico: warning: <stdin>: document 3: HTTPRoute default/web: unknown field spec.hostname (did you mean spec.hostnames?)\n' +
        'portico: warning: <stdin>: document 3: HTTPRoute default/web: unknown field spec.rules[0].backendRefs[0].wieght (did you mean spec.rules[0].backendRefs[0].weight?)\n',
    );
    const route = parseAllDocuments(stdout).map((doc) => doc.toJS() as Obj & { spec: Record<string, unknown> })[2]!;
    expect(route.spec.hostname).toBeUndefined();
    expect(stdout).not.toContain('wieght');
    expect(route.spec.rules).toEqual([{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ group: '', kind: 'Service', name: 'web', port: 80, weight: 1 }] }]);
  });

  test('a file that does not parse: reported on stderr, exit code 1, the (empty) rest printed', async () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: { name: gw\n');
    const { code, stdout, stderr } = await run(['translate', '-f', broken, '--to', 'ir']);
    expect(code).toBe(1);
    expect(stdout).toBe('ir: {}\n');
    expect(stderr).toMatch(new RegExp(`^portico: error: ${broken}: document 1: .*\\n`));
    expect(stderr).toMatch(/portico: one input could not be loaded and was left out \(see above\); the rest was translated\n$/);
  });

  test('-f DIR with one invalid document: it is reported (file, document, field), the rest is translated, exit code 1', async () => {
    const folder = join(dir, 'mixed');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a-good.yaml'), INPUT);
    const badGateway = 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: { name: other, namespace: default }\nspec:\n  gatewayClassName: portico\n  listeners:\n  - { name: http, port: eighty, protocol: HTTP }\n';
    writeFileSync(join(folder, 'b-bad.yaml'), `${badGateway}---\napiVersion: v1\nkind: Namespace\nmetadata: { name: fine }\n`);
    const { code, stdout, stderr } = await run(['translate', '-f', folder, '--to', 'ir']);
    expect(code).toBe(1);
    const { ir } = parse(stdout) as { ir: Record<string, { backends: { name: string }[] }> };
    expect(Object.keys(ir)).toEqual(['default/gw']);
    expect(ir['default/gw']!.backends.map((b) => b.name)).toEqual(['default/web/80/http']);
    expect(stderr.trimEnd().split('\n')).toEqual([
      `portico: error: ${join(folder, 'b-bad.yaml')}: document 1 (Gateway default/other): spec.listeners[0].port: must be integer (got string "eighty")`,
      'portico: one input could not be loaded and was left out (see above); the rest was translated',
    ]);
  });

  test('-f FILE with one bad document among good ones: the good ones of that file are translated; --to xds too', async () => {
    const file = join(dir, 'one-bad.yaml');
    writeFileSync(file, `${INPUT}---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: { name: bad, namespace: default }\nspec: { rules: [{ backendRefs: [{ name: web, port: 0 }] }] }\n`);
    const { code, stdout, stderr } = await run(['translate', '-f', file, '--to', 'xds', '-o', 'json']);
    expect(code).toBe(1);
    const { xds } = JSON.parse(stdout) as { xds: Record<string, unknown> };
    expect(Object.keys(xds)).toEqual(['default/gw']);
    expect(stderr).toMatch(new RegExp(`^portico: error: ${file}: document 6 \\(HTTPRoute default/bad\\): spec\\.rules\\[0\\]\\.backendRefs\\[0\\]\\.port: .*\\n`));
    const gatewayApi = await run(['translate', '-f', file, '--to', 'gateway-api']);
    expect(gatewayApi.code).toBe(1);
    expect(parseAllDocuments(gatewayApi.stdout).map((d) => (d.toJS() as Obj).metadata.name)).toEqual(['portico', 'gw', 'web']);
  });

  test('a missing file among good ones: reported, the rest translated, exit code 1', async () => {
    const { code, stdout, stderr } = await run(['translate', '-f', join(dir, 'nope.yaml'), '-f', inputFile, '--to', 'ir']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^portico: error: .*nope\.yaml: no such file or directory\n/);
    expect(Object.keys((parse(stdout) as { ir: object }).ir)).toEqual(['default/gw']);
  });

  test('--allow-external-name-services: an ExternalName backend becomes a LOGICAL_DNS cluster; without it, ResolvedRefs=False', async () => {
    const input = INPUT.replace('spec:\n  ports: [{ name: http, port: 80, targetPort: 8080 }]', 'spec:\n  type: ExternalName\n  externalName: web.example.org');
    const refused = await run(['translate', '-f', '-', '--to', 'gateway-api'], input);
    expect(refused.code).toBe(0);
    const route = parseAllDocuments(refused.stdout).map((d) => d.toJS() as Obj).find((o) => o.kind === 'HTTPRoute')!;
    expect(JSON.stringify(route.status)).toContain('"reason":"UnsupportedValue"');
    const allowed = await run(['translate', '-f', '-', '--to', 'xds', '-o', 'json', '--allow-external-name-services'], input);
    expect(allowed.code).toBe(0);
    const { xds } = JSON.parse(allowed.stdout) as { xds: Record<string, { clusters: { dynamicActiveClusters: { cluster: Record<string, unknown> }[] } }> };
    expect(xds['default/gw']!.clusters.dynamicActiveClusters.map((c) => c.cluster)).toContainEqual(
      expect.objectContaining({ name: 'default/web/80/http', type: 'LOGICAL_DNS', loadAssignment: expect.objectContaining({ endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: 'web.example.org', portValue: 80 } } } }] }] }) }),
    );
  });

  test('load warnings go to stderr, the output is unaffected', async () => {
    const { code, stdout, stderr } = await run(['translate', '-f', '-', '--to', 'ir'], `${INPUT}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: { name: x }\n`);
    expect(code).toBe(0);
    expect(stderr).toMatch(/^portico: warning: .*document 6.*\n$/);
    expect(stdout).toContain('default/gw');
  });

  test('a document a CEL rule of the CRDs refuses: exit code 1, and its file, document, object, field and the rule\'s message', async () => {
    const bad = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: rewrite, namespace: default }
spec:
  parentRefs: [{ name: gw }]
  rules:
  - filters:
    - type: URLRewrite
      urlRewrite:
        path: { type: ReplaceFullPath, replacePrefixMatch: /new }
    backendRefs: [{ name: web, port: 80 }]
`;
    const file = join(dir, 'with-bad-rewrite.yaml');
    writeFileSync(file, `${INPUT}---\n${bad}`);
    const { code, stderr } = await run(['translate', '-f', file, '--to', 'ir']);
    expect(code).toBe(1);
    expect(stderr).toContain(
      `${file}: document 6 (HTTPRoute default/rewrite): spec.rules[0].filters[0].urlRewrite.path: Invalid value: replaceFullPath must be specified when type is set to 'ReplaceFullPath'\n`,
    );

    writeFileSync(file, `${INPUT}---\n${bad.replace('replacePrefixMatch: /new', 'replaceFullPath: /new')}`);
    const fixed = await run(['translate', '-f', file, '--to', 'ir']);
    expect(fixed.code).toBe(0);
    expect(fixed.stderr).toBe('');
    expect(fixed.stdout).toContain('default/gw');
  });
});
