import { createServer } from 'node:net';
import { parse } from 'yaml';
import type { CliIO } from '../../cli-io.js';
import { main } from '../../main.js';
import { parseDumpArgs } from './dump-args.js';
import { runDump, type Fetch } from './dump.js';
import { formatTable, statusTables } from './dump-tables.js';

const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const cond = (type: string, status: string, reason = type, message = '') => ({ type, status, reason, message });

const STATUS = {
  generation: 3,
  objects: [
    { kind: 'Gateway', metadata: { namespace: 'default', name: 'demo' }, status: { conditions: [cond('Accepted', 'True'), cond('Programmed', 'True')] } },
    {
      kind: 'HTTPRoute',
      metadata: { namespace: 'default', name: 'shop' },
      status: { parents: [{ parentRef: { name: 'demo' }, conditions: [cond('Accepted', 'True'), cond('ResolvedRefs', 'False', 'BackendNotFound', 'service default/api not found')] }] },
    },
  ],
  sources: [
    { source: 'a.yaml', state: 'ok', objects: 2, warnings: [], lastGoodAt: '2025-01-01T00:00:00.000Z' },
    { source: 'b.yaml', state: 'error', objects: 1, warnings: [], error: 'b.yaml: document 1 (HTTPRoute default/shop): spec.rules[0].matches: must be array' },
  ],
  diagnostics: [{ kind: 'Ingress', namespace: 'default', name: 'blog', message: 'service default/web not found' }],
};

const CLIENTS = {
  clients: [
    {
      streamId: '1',
      protocol: 'sotw',
      peer: '127.0.0.1:5000',
      nodeId: 'envoy-1',
      gateway: 'default/demo',
      connectedAt: '2025-01-01T00:00:00.000Z',
      types: {
        [LDS]: { ackedVersion: 'b-2', pushes: 2, nacks: 0 },
        [CDS]: { ackedVersion: 'b-1', pushes: 2, nacks: 1, lastNack: { version: 'b-2', message: 'bad\ncluster', at: '2025-01-01T00:00:01.000Z' } },
      },
    },
  ],
};

function capture(): { io: CliIO; stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  return {
    io: { stdout: { write: (c: string) => (stdout += c) }, stderr: { write: (c: string) => (stderr += c) }, readStdin: () => Promise.reject(new Error('no stdin')) },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

/** A fake admin server: answers each path with a document (or an error status), recording the URLs asked. */
function fakeAdmin(answers: Record<string, { status?: number; body: unknown }>) {
  const urls: string[] = [];
  const fetchImpl: Fetch = async (url) => {
    urls.push(url);
    const answer = answers[new URL(url).pathname] ?? { status: 404, body: { error: 'no such path' } };
    return new Response(JSON.stringify(answer.body), { status: answer.status ?? 200 });
  };
  return { fetchImpl, urls };
}

/** A loopback port nobody listens on: bound to find it free, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function dump(argv: string[], admin: ReturnType<typeof fakeAdmin>) {
  const out = capture();
  const code = await runDump(parseDumpArgs(argv)!, out.io, admin.fetchImpl);
  return { code, stdout: out.stdout() };
}

describe('portico dump', () => {
  it('asks again when the server is busy with other dumps (503 with Retry-After), and reports it if it stays busy', async () => {
    let answers = 0;
    const busyTwice: Fetch = async () =>
      ++answers <= 2
        ? new Response(JSON.stringify({ error: 'too many debug dumps in progress; retry later' }), { status: 503, headers: { 'retry-after': '0' } })
        : new Response(JSON.stringify({ clients: [] }), { status: 200 });
    const out = capture();
    expect(await runDump(parseDumpArgs(['clients', '-o', 'json'])!, out.io, busyTwice)).toBe(0);
    expect(answers).toBe(3);
    expect(JSON.parse(out.stdout())).toEqual({ clients: [] });

    let asked = 0;
    const alwaysBusy: Fetch = async () => {
      asked++;
      return new Response(JSON.stringify({ error: 'too many debug dumps in progress; retry later' }), { status: 503, headers: { 'retry-after': '0' } });
    };
    await expect(runDump(parseDumpArgs(['clients'])!, capture().io, alwaysBusy)).rejects.toThrow('http://127.0.0.1:19000: too many debug dumps in progress; retry later');
    expect(asked).toBe(6);
    // Not translated yet (503 without Retry-After): reported at once.
    await expect(runDump(parseDumpArgs(['ir'])!, capture().io, fakeAdmin({ '/debug/ir': { status: 503, body: { error: 'no snapshot translated yet' } } }).fetchImpl)).rejects.toThrow('no snapshot translated yet');
  });

  it('prints status as kubectl-style tables: objects, sources (with the file error), diagnostics', async () => {
    const admin = fakeAdmin({ '/debug/status': { body: STATUS } });
    const { code, stdout } = await dump(['status', '--gateway', 'default/demo'], admin);
    expect(code).toBe(0);
    expect(admin.urls).toEqual(['http://127.0.0.1:19000/debug/status?format=json&gateway=default%2Fdemo']);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^KIND\s+NAMESPACE\s+NAME\s+PARENT\s+ACCEPTED\s+PROGRAMMED\s+RESOLVED\s+REASON\s+MESSAGE$/);
    expect(lines[1]).toMatch(/^Gateway\s+default\s+demo\s+True\s+True\s+-$/);
    expect(lines[2]).toMatch(/^HTTPRoute\s+default\s+shop\s+default\/demo\s+True\s+-\s+False\s+ResolvedRefs: BackendNotFound\s+service default\/api not found$/);
    expect(stdout).toMatch(/^b\.yaml\s+error\s+1\s+<none>\s+b\.yaml: document 1 \(HTTPRoute default\/shop\): spec\.rules\[0\]\.matches: must be array$/m);
    expect(stdout).toMatch(/^Ingress\s+default\s+blog\s+service default\/web not found$/m);
  });

  it('prints clients as a table with the ACKed version per type and the last NACK', async () => {
    const { stdout } = await dump(['clients', '--admin', 'localhost:9999/'], fakeAdmin({ '/debug/clients': { body: CLIENTS } }));
    expect(stdout.split('\n')[0]).toMatch(/^NODE\s+GATEWAY\s+PROTOCOL\s+PEER\s+LDS\s+RDS\s+CDS\s+EDS\s+SDS\s+LAST-NACK$/);
    expect(stdout.split('\n')[1]).toMatch(/^envoy-1\s+default\/demo\s+sotw\s+127\.0\.0\.1:5000\s+b-2\s+-\s+b-1\s+-\s+-\s+CDS b-2 2025-01-01T00:00:01\.000Z: bad cluster$/);
    expect((await dump(['clients'], fakeAdmin({ '/debug/clients': { body: { clients: [] } } }))).stdout).toBe('No xDS clients connected.\n');
  });

  it('prints the quarantined routes under the clients', async () => {
    const quarantined = [
      { gateway: 'default/demo', kind: 'HTTPRoute', namespace: 'team-a', name: 'a', rule: 1, refusedBy: 'envoy-1', since: '2025-01-01T00:00:02.000Z', error: 'invalid repetition\nsize: {1001}' },
    ];
    const { stdout } = await dump(['clients'], fakeAdmin({ '/debug/clients': { body: { ...CLIENTS, quarantined } } }));
    const lines = stdout.split('\n');
    expect(lines[3]).toMatch(/^GATEWAY\s+QUARANTINED\s+NAMESPACE\s+NAME\s+RULE\s+REFUSED-BY\s+SINCE\s+ERROR$/);
    expect(lines[4]).toMatch(/^default\/demo\s+HTTPRoute\s+team-a\s+a\s+1\s+envoy-1\s+2025-01-01T00:00:02\.000Z\s+invalid repetition size: \{1001\}$/);
  });

  it('prints ir and xds as YAML by default, JSON on request', async () => {
    const admin = fakeAdmin({ '/debug/ir': { body: { ir: { 'default/demo': { name: 'default/demo' } } } } });
    expect(parse((await dump(['ir'], admin)).stdout)).toEqual({ ir: { 'default/demo': { name: 'default/demo' } } });
    expect(JSON.parse((await dump(['ir', '-o', 'json'], admin)).stdout)).toEqual({ ir: { 'default/demo': { name: 'default/demo' } } });
    expect(parse((await dump(['status', '-o', 'yaml'], fakeAdmin({ '/debug/status': { body: STATUS } }))).stdout)).toEqual(STATUS);
  });

  it('turns the server’s errors and an unreachable server into one-line user errors', async () => {
    const admin = fakeAdmin({ '/debug/xds': { status: 404, body: { error: "no gateway 'default/nope'" } } });
    await expect(dump(['xds', '--gateway', 'default/nope'], admin)).rejects.toThrow("http://127.0.0.1:19000: no gateway 'default/nope'");
    const out = capture();
    const port = await closedPort();
    expect(await main(['dump', 'status', '--admin', `http://127.0.0.1:${port}`], out.io)).toBe(1);
    expect(out.stderr()).toBe(`portico: cannot reach the admin server at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port} (is 'portico serve' running? see --admin)\n`);
  });

  test.each([
    [['dump'], 'missing what to dump (one of: ir, xds, status, clients)'],
    [['dump', 'routes'], "invalid view 'routes': expected one of ir, xds, status, clients"],
    [['dump', 'ir', '-o', 'table'], "--output table is for status and clients; 'ir' prints yaml or json"],
    [['dump', 'status', '-o', 'xml'], "invalid --output 'xml': expected yaml, json or table"],
    [['dump', 'status', '--gateway', 'demo'], "invalid --gateway 'demo': expected namespace/name"],
    [['dump', 'status', '--admin', 'ftp://x'], "invalid --admin 'ftp://x': expected an http or https URL"],
    [['dump', 'ir', 'xds'], "unexpected argument 'xds' (see 'portico dump --help')"],
  ])('%j fails with one line', async (argv, message) => {
    const out = capture();
    expect(await main(argv, out.io)).toBe(1);
    expect(out.stderr()).toBe(`portico: ${message}\n`);
  });
});

describe('formatTable', () => {
  it('pads every column but the last, three spaces apart', () => {
    expect(formatTable(['A', 'LONGER'], [['xyz', '1'], ['', '22']])).toBe('A     LONGER\nxyz   1\n      22\n');
  });
});

describe('statusTables', () => {
  it('lists what is broken in the pipeline after the objects', () => {
    const text = statusTables({
      objects: [],
      pipeline: {
        translationFailure: { generation: 4, at: '2025-01-01T00:00:00.000Z', error: 'boom' },
        gatewayFailures: [{ gateway: 'default/demo', outcome: 'error', problems: ['encode failed'], at: '2025-01-01T00:00:01.000Z' }],
        failingObjects: [{ kind: 'Ingress', namespace: 'default', name: 'blog', message: 'bad' }],
      },
    });
    const lines = text.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^PIPELINE\s+WHAT\s+AT\s+FAILURE$/));
    expect(lines).toContainEqual(expect.stringMatching(/^snapshot\s+generation 4\s+2025-01-01T00:00:00\.000Z\s+failed to translate: boom$/));
    expect(lines).toContainEqual(expect.stringMatching(/^gateway\s+default\/demo\s+2025-01-01T00:00:01\.000Z\s+error: encode failed$/));
    expect(lines).toContainEqual(expect.stringMatching(/^Ingress\s+default\/blog\s+left out, translating it failed: bad$/));
  });
});
