/**
 * `portico serve --run-envoy`: one Envoy child process per Gateway, each started with the bootstrap
 * `portico bootstrap` would print for it, restarted (with backoff) when it dies, stopped when its
 * Gateway goes away or Portico shuts down. Meant for one host (a laptop, a VM, CI); in Kubernetes
 * each Envoy is its own Deployment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildEnvoyBootstrap, DEFAULT_ENVOY_ADMIN_PORT, parseHostPort, type BootstrapTlsFiles } from '@portico/xds';

/** No Envoy to run: neither `ENVOY_BIN` nor `envoy` on PATH (or ENVOY_BIN is not executable). */
export class EnvoyNotFoundError extends Error {
  override readonly name = 'EnvoyNotFoundError';
}

/** The slice of a winston logger the runner writes to. */
export interface EnvoyRunnerLogger {
  info(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  error(message: string, meta?: Record<string, unknown>): unknown;
}

export interface EnvoyRunnerOptions {
  /** Where Portico's xDS server listens (`0.0.0.0:18000`); a wildcard host is dialled on loopback. */
  xdsAddress: string;
  /** mTLS files for the Envoys, when the xDS server requires client certificates. */
  tls?: BootstrapTlsFiles;
  /** Delta xDS (default) or state-of-the-world. */
  delta?: boolean;
  /** Admin port of the first Envoy; the n-th running one gets base + n (default 19001). */
  adminPortBase?: number;
  /** Envoy's `--log-level` (default `warn`: its info level logs every xDS update). */
  logLevel?: string;
  logger?: EnvoyRunnerLogger;
  /** Environment of the Envoys and where the binary is looked up (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** First restart delay after a crash, doubled per crash up to 30 s (default 1 s). */
  restartDelayMs?: number;
  /** How long a stopping Envoy gets after SIGTERM before SIGKILL (default 10 s). */
  stopTimeoutMs?: number;
}

/** One managed Envoy, as /debug or a test sees it. */
export interface ManagedEnvoy {
  gateway: string;
  pid: number | undefined;
  adminPort: number;
  bootstrapFile: string;
  restarts: number;
}

export interface EnvoyRunner {
  /** The Envoy binary in use. */
  readonly binary: string;
  /** Makes the running Envoys match `gateways` (`namespace/name` keys): starts new ones, stops gone ones. */
  sync(gateways: Iterable<string>): Promise<void>;
  list(): ManagedEnvoy[];
  /** Stops every Envoy and removes the bootstrap files. */
  stop(): Promise<void>;
}

const MAX_RESTART_DELAY_MS = 30_000;
/** An Envoy that ran this long before dying starts again from the first delay. */
const HEALTHY_RUN_MS = 60_000;

/** `ENVOY_BIN` if set, else the first executable `envoy` on PATH, else undefined. */
export function findEnvoyBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.ENVOY_BIN) {
    if (!isExecutableFile(env.ENVOY_BIN)) throw new EnvoyNotFoundError(`ENVOY_BIN=${env.ENVOY_BIN} is not an executable file`);
    return env.ENVOY_BIN;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const candidate = dir && join(dir, 'envoy');
    if (candidate && isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** The address an Envoy on this host dials to reach a server listening on `address`. */
export function dialableAddress(address: string): string {
  const { host, port } = parseHostPort(address, 'xDS address');
  if (host === '0.0.0.0') return `127.0.0.1:${port}`;
  if (host === '::') return `[::1]:${port}`;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Creates the runner; throws EnvoyNotFoundError when there is no Envoy binary to run. */
export function createEnvoyRunner(options: EnvoyRunnerOptions): EnvoyRunner {
  const env = options.env ?? process.env;
  const binary = findEnvoyBinary(env);
  if (!binary) {
    throw new EnvoyNotFoundError(
      '--run-envoy needs Envoy: put `envoy` on PATH or set ENVOY_BIN to its path (https://www.envoyproxy.io/docs/envoy/latest/start/install), ' +
        'or run Envoy yourself with the config `portico bootstrap --gateway NAMESPACE/NAME` prints',
    );
  }
  const xdsAddress = dialableAddress(options.xdsAddress);
  const logger = options.logger;
  const adminPortBase = options.adminPortBase ?? DEFAULT_ENVOY_ADMIN_PORT;
  const firstDelay = options.restartDelayMs ?? 1000;
  const stopTimeout = options.stopTimeoutMs ?? 10_000;
  const dir = mkdtempSync(join(tmpdir(), 'portico-envoy-'));
  const managed = new Map<string, Envoy>();
  // sync and stop run one at a time: a stop must not race a start of the same gateway.
  let queue: Promise<void> = Promise.resolve();
  let stopped = false;
  const serialize = (task: () => Promise<void>) => (queue = queue.then(task, task));

  function start(envoy: Envoy): void {
    // --disable-hot-restart: Envoys on one host would otherwise share hot-restart memory (base id
    // 0) and all but the first fail to start; Portico restarts an Envoy, it never hot-restarts it.
    const args = ['-c', envoy.bootstrapFile, '--disable-hot-restart', '--log-level', options.logLevel ?? 'warn'];
    const child = spawn(binary!, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    envoy.child = child;
    envoy.startedAt = Date.now();
    envoy.exited = new Promise((resolve) => child.once('close', () => resolve()));
    child.once('spawn', () => logger?.info('envoy started', { gateway: envoy.gateway, pid: child.pid, adminPort: envoy.adminPort }));
    child.once('error', (error) => logger?.error('envoy could not be started', { gateway: envoy.gateway, binary, error: error.message }));
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => forwardLog(logger, envoy.gateway, line));
    }
    child.once('close', (code, signal) => {
      if (envoy.child !== child) return;
      envoy.child = undefined;
      if (envoy.stopping) return;
      if (Date.now() - envoy.startedAt >= HEALTHY_RUN_MS) envoy.delay = firstDelay;
      logger?.error('envoy exited; restarting', { gateway: envoy.gateway, code, signal, restartInMs: envoy.delay });
      envoy.timer = setTimeout(() => {
        envoy.timer = undefined;
        if (envoy.stopping) return;
        envoy.restarts++;
        start(envoy);
      }, envoy.delay);
      envoy.delay = Math.min(envoy.delay * 2, MAX_RESTART_DELAY_MS);
    });
  }

  async function stopOne(envoy: Envoy): Promise<void> {
    envoy.stopping = true;
    clearTimeout(envoy.timer);
    const child = envoy.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeout);
      await envoy.exited;
      clearTimeout(timer);
    }
    managed.delete(envoy.gateway);
    rmSync(envoy.bootstrapFile, { force: true });
    logger?.info('envoy stopped', { gateway: envoy.gateway });
  }

  function add(gateway: string): void {
    const used = new Set([...managed.values()].map((e) => e.adminPort));
    let adminPort = adminPortBase;
    while (used.has(adminPort)) adminPort++;
    let bootstrap;
    try {
      bootstrap = buildEnvoyBootstrap({ gateway, xdsAddress, adminPort, delta: options.delta ?? true, ...(options.tls ? { tls: options.tls } : {}) });
    } catch (error) {
      logger?.error('no Envoy for this gateway', { gateway, error: (error as Error).message });
      return;
    }
    // `_` appears in neither a namespace nor a Gateway name: one file per gateway, no collisions.
    const bootstrapFile = join(dir, `${gateway.replace('/', '_')}.json`);
    writeFileSync(bootstrapFile, JSON.stringify(bootstrap, null, 2));
    const envoy: Envoy = { gateway, adminPort, bootstrapFile, restarts: 0, stopping: false, startedAt: 0, delay: firstDelay, exited: Promise.resolve() };
    managed.set(gateway, envoy);
    start(envoy);
  }

  return {
    binary,
    sync: (gateways) => {
      const wanted = new Set(gateways);
      return serialize(async () => {
        if (stopped) return;
        await Promise.all([...managed.values()].filter((e) => !wanted.has(e.gateway)).map(stopOne));
        for (const gateway of [...wanted].sort()) if (!managed.has(gateway)) add(gateway);
      });
    },
    list: () =>
      [...managed.values()].map(({ gateway, child, adminPort, bootstrapFile, restarts }) => ({ gateway, pid: child?.pid, adminPort, bootstrapFile, restarts })),
    stop: () =>
      serialize(async () => {
        stopped = true;
        await Promise.all([...managed.values()].map(stopOne));
        rmSync(dir, { recursive: true, force: true });
      }),
  };
}

interface Envoy {
  gateway: string;
  adminPort: number;
  bootstrapFile: string;
  child?: ChildProcess;
  restarts: number;
  stopping: boolean;
  startedAt: number;
  /** The next restart delay. */
  delay: number;
  timer?: NodeJS.Timeout;
  /** Resolves when the current child has exited and its output is drained. */
  exited: Promise<void>;
}

/** Envoy's own lines (`[time][thread][level][logger] message`) at the level Envoy gave them. */
function forwardLog(logger: EnvoyRunnerLogger | undefined, gateway: string, line: string): void {
  if (!logger || line.trim() === '') return;
  const level = /\]\[(trace|debug|info|warning|error|critical)\]/.exec(line)?.[1];
  const meta = { gateway, source: 'envoy', line };
  if (level === 'error' || level === 'critical') logger.error('envoy', meta);
  else if (level === 'warning') logger.warn('envoy', meta);
  else logger.info('envoy', meta);
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
