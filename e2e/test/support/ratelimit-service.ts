/**
 * The real envoyproxy/ratelimit service (RATELIMIT_BIN) and a Redis (REDIS_BIN) for it, started by a
 * test on free loopback ports (scripts/install-ratelimit.sh builds and installs both; .ci/run exports
 * them). The service reads its configuration from `configDir` (what `portico serve
 * --rate-limit-config-dir` writes) and reloads when a file changes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollFor } from './isolation-traffic.js';
import { freePort } from './serve-process.js';

export interface LoggedProcess {
  child: ChildProcess;
  tail(lines?: number): string;
  stop(): Promise<void>;
}

function startLogged(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): LoggedProcess {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, ...env } });
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
    tail: (n = 30) => lines.slice(-n).join('\n'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** PING over the Redis protocol; resolves true on +PONG. */
function redisPing(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1_000, () => socket.destroy());
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      done(data.toString().startsWith('+PONG'));
      socket.destroy();
    });
  });
}

export interface RedisProcess extends LoggedProcess {
  port: number;
}

/** Redis on a free loopback port, in memory only (no RDB, no AOF), ready when it answers PING. */
export async function startRedis(redisBin: string): Promise<RedisProcess> {
  const port = await freePort();
  const process_ = startLogged(redisBin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes']);
  await pollFor('redis to answer PING', async () => ((await redisPing(port)) ? true : undefined), () => process_.tail(), 15_000);
  return { ...process_, port };
}

export interface RateLimitServiceProcess extends LoggedProcess {
  grpcPort: number;
  debugPort: number;
  /** `<RUNTIME_ROOT>/<RUNTIME_SUBDIRECTORY>/config`: where Portico writes the service's configuration. */
  configDir: string;
  /** The configuration the service has loaded (its debug endpoint /rlconfig). */
  loadedConfig(): Promise<string>;
}

export async function startRateLimitService(ratelimitBin: string, redisPort: number): Promise<RateLimitServiceProcess> {
  const [grpcPort, httpPort, debugPort] = [await freePort(), await freePort(), await freePort()];
  const root = mkdtempSync(join(tmpdir(), 'portico-ratelimit-'));
  const configDir = join(root, 'ratelimit', 'config');
  // goruntime refuses to start on a folder that does not exist.
  mkdirSync(configDir, { recursive: true });
  const service = startLogged(ratelimitBin, [], {
    USE_STATSD: 'false',
    LOG_LEVEL: 'warn',
    BACKEND_TYPE: 'redis',
    REDIS_SOCKET_TYPE: 'tcp',
    REDIS_URL: `127.0.0.1:${redisPort}`,
    HOST: '127.0.0.1',
    PORT: String(httpPort),
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: String(grpcPort),
    DEBUG_HOST: '127.0.0.1',
    DEBUG_PORT: String(debugPort),
    RUNTIME_ROOT: root,
    RUNTIME_SUBDIRECTORY: 'ratelimit',
    // Watch the config folder itself (Portico replaces files by rename), not a symlinked root.
    RUNTIME_WATCH_ROOT: 'false',
    // Portico writes `.<name>.tmp` before renaming: never load half a file.
    RUNTIME_IGNOREDOTFILES: 'true',
  });
  const loadedConfig = async () => {
    const response = await fetch(`http://127.0.0.1:${debugPort}/rlconfig`, { signal: AbortSignal.timeout(2_000) });
    return response.text();
  };
  await pollFor('the ratelimit service to answer /healthcheck', async () => {
    const response = await fetch(`http://127.0.0.1:${httpPort}/healthcheck`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    return response?.ok ? true : undefined;
  }, () => service.tail(), 20_000);
  return {
    ...service,
    grpcPort,
    debugPort,
    configDir,
    loadedConfig,
    async stop() {
      await service.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
