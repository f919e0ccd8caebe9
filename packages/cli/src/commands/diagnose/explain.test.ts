/** `portico explain`: arguments, offline from files, live from an admin server's /debug/xds. */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadResources } from '@portico/resources';
import { offlineInput } from '@portico/diagnose';
import type { CliIO } from '../../cli-io.js';
import { main } from '../../main.js';
import { parseExplainArgs } from './explain-args.js';
import { runExplain } from './explain.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..');
const FILES = ['testdata/explain/shop.yaml', 'testdata/certs/secret-example.com.yaml', 'testdata/certs/secret-foo.example.org.yaml'].map((f) => resolve(ROOT, f));

function capture(): CliIO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    readStdin: () => readFile('/dev/null', 'utf8'),
    out: () => out,
    err: () => err,
  };
}

describe('parseExplainArgs', () => {
  test('a URL, curl-style options and one source', () => {
    expect(parseExplainArgs(['http://a/x', '-X', 'POST', '-H', 'x-a: 1', '-H', 'x-b: 2', '--gateway', 'default/demo', '-f', 'a.yaml', '-o', 'json', '--port', '8080'])).toEqual({
      url: 'http://a/x',
      method: 'POST',
      headers: ['x-a: 1', 'x-b: 2'],
      gateway: 'default/demo',
      source: { kind: 'files', files: ['a.yaml'] },
      output: 'json',
      port: 8080,
    });
    expect(parseExplainArgs(['http://a/'])?.source).toEqual({ kind: 'admin', admin: 'http://127.0.0.1:19000' });
    expect(parseExplainArgs(['http://a/', '--resources', 'dir'])?.source).toEqual({ kind: 'files', files: ['dir'] });
    expect(parseExplainArgs(['--help'])).toBeUndefined();
  });
  test('mistakes are named', () => {
    expect(() => parseExplainArgs([])).toThrow(/missing the request URL/);
    expect(() => parseExplainArgs(['http://a/', 'http://b/'])).toThrow(/one URL/);
    expect(() => parseExplainArgs(['http://a/', '-f', 'x', '--admin', 'h:1'])).toThrow(/not both/);
    expect(() => parseExplainArgs(['http://a/', '-o', 'yaml'])).toThrow(/expected text or json/);
    expect(() => parseExplainArgs(['http://a/', '--port', '0'])).toThrow(/--port/);
    expect(() => parseExplainArgs(['http://a/', '--gateway', 'demo'])).toThrow(/namespace\/name/);
  });
});

describe('portico explain', () => {
  test('offline from files: text, and json with the documented fields', async () => {
    const io = capture();
    expect(await main(['explain', 'http://shop.example.com:8080/api/orders', '-H', 'x-canary: true', ...FILES.flatMap((f) => ['-f', f])], io)).toBe(0);
    expect(io.out()).toContain('route         httproute/default/shop/rule/0/match/0  [HTTPRoute default/shop rule 0, match 0]');
    const json = capture();
    expect(await main(['explain', 'http://shop.example.com:8080/empty', '-o', 'json', ...FILES.flatMap((f) => ['-f', f])], json)).toBe(0);
    expect(JSON.parse(json.out())).toMatchObject({ listener: 'default/demo/http-8080', status: 503, backends: [{ cluster: 'default/empty/8080/http', weight: 100, endpoints: [] }] });
  });

  test('live from --admin: /debug/xds of the gateway', async () => {
    const { objects } = await loadResources(FILES);
    const xds = Object.fromEntries(offlineInput(objects, new Date()).xds!);
    const asked: string[] = [];
    const fetchStub = (async (url: string) => {
      asked.push(url);
      return new Response(JSON.stringify({ xds, versions: {} }), { status: 200 });
    }) as unknown as typeof fetch;
    const io = capture();
    const args = parseExplainArgs(['http://shop.example.com:8080/catalog/a', '--admin', 'localhost:19000', '--gateway', 'default/demo', '-o', 'json'])!;
    expect(await runExplain(args, io, fetchStub)).toBe(0);
    expect(asked).toEqual(['http://localhost:19000/debug/xds?format=json&gateway=default%2Fdemo']);
    expect(JSON.parse(io.out())).toMatchObject({ status: 301, redirect: 'http://shop.example.com:8080/products/a' });
  });

  test('an unreachable admin server or unknown gateway is a user error (exit 1)', async () => {
    const io = capture();
    expect(await main(['explain', 'http://a/', '--admin', 'http://127.0.0.1:1'], io)).toBe(1);
    expect(io.err()).toMatch(/cannot reach the admin server/);
    const gw = capture();
    expect(await main(['explain', 'http://a:8080/', '--gateway', 'x/y', ...FILES.flatMap((f) => ['-f', f])], gw)).toBe(1);
    expect(gw.err()).toMatch(/gateway x\/y has no served xDS/);
  });

  test('help lists the command', async () => {
    const io = capture();
    expect(await main(['help'], io)).toBe(0);
    expect(io.out()).toContain('explain     Explain where one HTTP request goes');
    const help = capture();
    expect(await main(['explain', '--help'], help)).toBe(0);
    expect(help.out()).toContain('Usage: portico explain URL');
  });
});
