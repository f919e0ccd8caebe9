/**
 * `portico serve` as a child process, the way a user runs it (packages/cli/bin/portico.js, which runs
 * the compiled dist/: `npm test` builds first), on free loopback ports, with its JSON logs kept for
 * the failure messages, its admin endpoints one call away, and its memory readable from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PORTICO_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../../packages/cli/bin/portico.js');

/** A loopback port free right now: a temporary listener on port 0, closed again. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise((ok) => server.close(ok));
  return port;
}

export interface ServeProcess {
  child: ChildProcess;
  xdsPort: number;
  adminPort: number;
  /** Milliseconds from spawn to the first 200 of /readyz (set by waitReady). */
  readyMs?: number;
  /** The log lines so far (stderr), parsed when JSON. */
  logs(): (Record<string, unknown> | string)[];
  /** The last log lines as text, for failure messages. */
  tail(lines?: number): string;
  /** GET on the admin server, JSON parsed. */
  admin<T = Record<string, any>>(path: string): Promise<{ status: number; body: T }>;
  /** Polls /readyz until 200, at most `timeoutMs`; fails with the logs if the process exits or time runs out. */
  waitReady(timeoutMs?: number): Promise<number>;
  /** Resident memory of the process (VmRSS), in KiB. */
  rssKiB(): number;
  /** Sends the signal and resolves once the process exits, with its exit code and the time it took. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

/**
 * Without `resources`, no `--resources` is passed (e.g. `--kubernetes` in `extraArgs`). `ports` reuses
 * the ports of an earlier process (a restart that connected Envoys reconnect to). `xdsHost` (default
 * 127.0.0.1) is where xDS listens, e.g. 0.0.0.0 for Envoys in the cluster harness's pod namespaces.
 */
export async function startServeProcess(options: { resources?: string; extraArgs?: string[]; env?: NodeJS.ProcessEnv; ports?: { xds: number; admin: number }; xdsHost?: string }): Promise<ServeProcess> {
  const [xdsPort, adminPort] = options.ports ? [options.ports.xds, options.ports.admin] : [await freePort(), await freePort()];
  const spawnedAt = Date.now();
  const child = spawn(
    process.execPath,
    [PORTICO_BIN, 'serve', ...(options.resources === undefined ? [] : ['--resources', options.resources]), '--xds-address', `${options.xdsHost ?? '127.0.0.1'}:${xdsPort}`, '--admin-address', `127.0.0.1:${adminPort}`, ...(options.extraArgs ?? [])],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
  );
  const lines: string[] = [];
  let partial = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stdout!.on('data', (chunk: Buffer) => lines.push(`[stdout] ${chunk.toString('utf8').trimEnd()}`));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exited.then((info) => (exitInfo = info));

  const tail = (n = 80) => lines.slice(-n).join('\n');
  const proc: ServeProcess = {
    child,
    xdsPort,
    adminPort,
    logs: () => lines.map((l) => (l.startsWith('{') ? (JSON.parse(l) as Record<string, unknown>) : l)),
    tail,
    async admin<T>(path: string) {
      const response = await fetch(`http://127.0.0.1:${adminPort}${path}`);
      return { status: response.status, body: (await response.json()) as T };
    },
    async waitReady(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (exitInfo) throw new Error(`portico serve exited (${JSON.stringify(exitInfo)}) before ready:\n${tail()}`);
        const status = await fetch(`http://127.0.0.1:${adminPort}/readyz`).then((r) => r.status, () => 0);
        if (status === 200) return (proc.readyMs = Date.now() - spawnedAt);
        if (Date.now() > deadline) throw new Error(`portico serve not ready after ${timeoutMs} ms (last /readyz: ${status}):\n${tail()}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    rssKiB() {
      const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (!match) throw new Error(`no VmRSS in /proc/${child.pid}/status`);
      return Number(match[1]);
    },
    async stop(signal = 'SIGTERM', timeoutMs = 10_000) {
      const started = Date.now();
      if (!exitInfo) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, fail) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          fail(new Error(`portico serve still running ${timeoutMs} ms after ${signal}:\n${tail()}`));
        }, timeoutMs);
      });
      try {
        const info = await Promise.race([exited, timeout]);
        return { ...info, ms: Date.now() - started };
      } finally {
        clearTimeout(timer);
      }
    },
  };
  return proc;
}
