import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnvoyRunner, dialableAddress, EnvoyNotFoundError, findEnvoyBinary, type EnvoyRunner } from './envoy-runner.js';

/**
 * A stand-in for Envoy (no real one exists here): records its pid and arguments, says one line in
 * Envoy's log format, and runs until signalled; with FAKE_ENVOY_EXIT it dies at once instead.
 */
const FAKE_ENVOY = `#!/bin/sh
echo "$$ $*" >> "$FAKE_ENVOY_LOG"
echo "[2026-01-01 00:00:00.000][1][warning][main] fake envoy $$ up" >&2
if [ -n "$FAKE_ENVOY_EXIT" ]; then exit "$FAKE_ENVOY_EXIT"; fi
exec sleep 600
`;

let dir: string;
let bin: string;
let log: string;
const runners: EnvoyRunner[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'portico-fake-envoy-'));
  bin = join(dir, 'bin');
  log = join(dir, 'calls.log');
  mkdirSync(bin);
  writeFileSync(join(bin, 'envoy'), FAKE_ENVOY);
  chmodSync(join(bin, 'envoy'), 0o755);
  writeFileSync(log, '');
});

afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
  rmSync(dir, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: `${bin}:/usr/bin:/bin`, FAKE_ENVOY_LOG: log, ...extra };
}

function runner(extra: Record<string, string> = {}, restartDelayMs = 1000): EnvoyRunner {
  const r = createEnvoyRunner({ xdsAddress: '0.0.0.0:18000', env: env(extra), restartDelayMs, stopTimeoutMs: 2000 });
  runners.push(r);
  return r;
}

/** The fake's recorded calls: pid and argument list per start. */
function calls(): { pid: number; args: string[] }[] {
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pid, ...args] = line.split(' ');
      return { pid: Number(pid), args };
    });
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('findEnvoyBinary', () => {
  it('prefers ENVOY_BIN, then envoy on PATH', () => {
    expect(findEnvoyBinary(env())).toBe(join(bin, 'envoy'));
    expect(findEnvoyBinary({ ...env(), ENVOY_BIN: '/bin/sh' })).toBe('/bin/sh');
    expect(findEnvoyBinary({ PATH: '/nonexistent' })).toBeUndefined();
  });

  it('rejects an ENVOY_BIN that cannot run', () => {
    expect(() => findEnvoyBinary({ ENVOY_BIN: join(dir, 'calls.log') })).toThrow(EnvoyNotFoundError);
  });
});

describe('createEnvoyRunner', () => {
  it('fails with a clear message when there is no Envoy', () => {
    expect(() => createEnvoyRunner({ xdsAddress: '0.0.0.0:18000', env: { PATH: '/nonexistent' } })).toThrow(
      /--run-envoy needs Envoy: put `envoy` on PATH or set ENVOY_BIN/,
    );
  });

  it('starts one Envoy per gateway with its bootstrap, and stops the one whose gateway goes away', async () => {
    const r = runner();
    await r.sync(['default/demo']);
    await until(() => calls().length === 1, 'the first envoy');
    const [first] = calls();
    const bootstrapFile = r.list()[0]!.bootstrapFile;
    expect(first!.args).toEqual(['-c', bootstrapFile, '--disable-hot-restart', '--log-level', 'warn']);
    const bootstrap = JSON.parse(readFileSync(bootstrapFile, 'utf8'));
    expect(bootstrap.node.cluster).toBe('default/demo');
    // The server listens on 0.0.0.0: its Envoys dial loopback.
    expect(bootstrap.staticResources.clusters[0].loadAssignment.endpoints[0].lbEndpoints[0].endpoint.address.socketAddress).toEqual({
      address: '127.0.0.1',
      portValue: 18000,
    });

    await r.sync(['default/demo', 'team-a/edge']);
    await until(() => calls().length === 2, 'the second envoy');
    expect(r.list().map((e) => [e.gateway, e.adminPort])).toEqual([
      ['default/demo', 19001],
      ['team-a/edge', 19002],
    ]);

    await r.sync(['team-a/edge']);
    expect(alive(first!.pid)).toBe(false);
    expect(existsSync(bootstrapFile)).toBe(false);
    expect(r.list().map((e) => e.gateway)).toEqual(['team-a/edge']);
    expect(calls()).toHaveLength(2); // the other Envoy was left alone
  });

  it("forwards Envoy's log lines at Envoy's level, tagged with the gateway", async () => {
    const entries: [string, string, Record<string, unknown> | undefined][] = [];
    const logger = {
      info: (m: string, meta?: Record<string, unknown>) => entries.push(['info', m, meta]),
      warn: (m: string, meta?: Record<string, unknown>) => entries.push(['warn', m, meta]),
      error: (m: string, meta?: Record<string, unknown>) => entries.push(['error', m, meta]),
    };
    const r = createEnvoyRunner({ xdsAddress: '127.0.0.1:18000', env: env(), logger });
    runners.push(r);
    await r.sync(['default/demo']);
    await until(() => entries.some(([level, m]) => level === 'warn' && m === 'envoy'), 'the forwarded line');
    expect(entries).toContainEqual(['warn', 'envoy', expect.objectContaining({ gateway: 'default/demo', source: 'envoy', line: expect.stringContaining('fake envoy') })]);
    expect(entries).toContainEqual(['info', 'envoy started', expect.objectContaining({ gateway: 'default/demo', adminPort: 19001 })]);
  });

  it('stops every Envoy on stop() and removes the bootstrap files', async () => {
    const r = runner();
    await r.sync(['default/a', 'default/b']);
    await until(() => calls().length === 2, 'two envoys');
    const files = r.list().map((e) => e.bootstrapFile);
    await r.stop();
    for (const { pid } of calls()) expect(alive(pid)).toBe(false);
    for (const file of files) expect(existsSync(file)).toBe(false);
    await r.sync(['default/c']); // after stop: nothing starts again
    expect(calls()).toHaveLength(2);
  });

  it('restarts an Envoy that dies, with backoff, until its gateway goes away', async () => {
    const r = runner({ FAKE_ENVOY_EXIT: '3' }, 20);
    await r.sync(['default/demo']);
    await until(() => calls().length >= 3, 'two restarts');
    expect(r.list()[0]!.restarts).toBeGreaterThanOrEqual(2);
    await r.sync([]);
    const count = calls().length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(calls()).toHaveLength(count);
  });
});

describe('dialableAddress', () => {
  it('turns wildcard listen addresses into loopback', () => {
    expect(dialableAddress('0.0.0.0:18000')).toBe('127.0.0.1:18000');
    expect(dialableAddress('[::]:18000')).toBe('[::1]:18000');
    expect(dialableAddress('portico:18000')).toBe('portico:18000');
    expect(dialableAddress('[fd00::1]:18000')).toBe('[fd00::1]:18000');
  });
});
