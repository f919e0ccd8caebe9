/**
 * A real Envoy (ENVOY_BIN) started by a test against `portico serve`'s xDS port, with the bootstrap
 * `portico bootstrap` prints and a free admin port, so a test can start Envoys at any moment (before
 * or after an object appears) and read Envoy's own stats: `update_rejected` counts every NACK.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEnvoyBootstrap } from '@portico/xds';
import { freePort } from './serve-process.js';

export interface EnvoyProcess {
  child: ChildProcess;
  nodeId: string;
  adminPort: number;
  /** Sum of every `*.update_rejected` stat (LDS, RDS, CDS, EDS): how many xDS updates Envoy refused. */
  rejectedUpdates(): Promise<number>;
  /** The last lines Envoy wrote, for failure messages. */
  tail(lines?: number): string;
  stop(): Promise<void>;
}

export interface EnvoyOptions {
  /** Defaults to ENVOY_BIN. */
  envoyBin?: string;
  gateway: string;
  xdsPort: number;
  nodeId: string;
  /** Delta xDS rather than state-of-the-world (the bootstrap's default). */
  delta?: boolean;
  /** Worker threads (default 1); an Envoy pod runs one per core, each with its own load balancers. */
  concurrency?: number;
  /** How often Envoy flushes access log files and stdout (its default is 10 s): tests reading logs want it short. */
  logFlushIntervalMs?: number;
}

export async function startEnvoy(options: EnvoyOptions): Promise<EnvoyProcess> {
  const envoyBin = options.envoyBin ?? process.env.ENVOY_BIN;
  if (!envoyBin) throw new Error('ENVOY_BIN is not set');
  const adminPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'portico-envoy-'));
  const bootstrap = buildEnvoyBootstrap({
    gateway: options.gateway,
    xdsAddress: `127.0.0.1:${options.xdsPort}`,
    adminPort,
    nodeId: options.nodeId,
    ...(options.delta === undefined ? {} : { delta: options.delta }),
  });
  writeFileSync(join(dir, 'bootstrap.json'), JSON.stringify(bootstrap));
  const child = spawn(envoyBin, ['-c', join(dir, 'bootstrap.json'), '--disable-hot-restart', '--log-level', 'warn', '--concurrency', String(options.concurrency ?? 1), ...(options.logFlushIntervalMs === undefined ? [] : ['--file-flush-interval-msec', String(options.logFlushIntervalMs)])], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 400) lines.splice(0, lines.length - 400);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  return {
    child,
    nodeId: options.nodeId,
    adminPort,
    async rejectedUpdates() {
      const response = await fetch(`http://127.0.0.1:${adminPort}/stats?filter=update_rejected&format=json`);
      const body = (await response.json()) as { stats: { name: string; value?: number }[] };
      return body.stats.reduce((sum, s) => sum + (s.value ?? 0), 0);
    },
    tail: (n = 40) => lines.slice(-n).join('\n'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Envoy has an active listener (its route table arrived with it or will, over RDS). */
export async function envoyListening(envoy: EnvoyProcess): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${envoy.adminPort}/stats?filter=listener_manager.total_listeners_active&format=json`).catch(() => undefined);
  if (!response) return false;
  const body = (await response.json()) as { stats: { value?: number }[] };
  return (body.stats[0]?.value ?? 0) >= 1;
}
