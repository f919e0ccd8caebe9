/**
 * `portico serve`: the file provider on `--resources`, the composition root of @portico/server, and
 * a clean stop on SIGTERM / SIGINT (provider stopped, xDS streams ended gracefully, admin closed,
 * exit code 0). Loaded lazily by `main`, so other commands never load the server.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { createFileProvider, type ResourceProvider } from '@portico/provider';
import {
  createEnvoyRunner,
  createLogger,
  createPorticoServer,
  RecentLogs,
  createXdsTlsFileSource,
  EnvoyNotFoundError,
  isLoopbackHost,
  parseListenAddress,
  XdsTlsFilesError,
  type Logger,
  type XdsTlsSource,
} from '@portico/server';
import { CliError, errorMessage } from '../../args.js';
import type { CliIO } from '../../cli-io.js';
import type { ServeArgs } from './serve-args.js';

/** Resolves with the name of the signal that asks the server to stop. */
export type StopSignal = Promise<string>;

/**
 * Runs `portico serve` until `stop` resolves (SIGTERM or SIGINT of this process by default), then
 * shuts down and resolves to 0. Start-up failures (a missing folder, an address in use) are user
 * errors: exit code 1 with one line.
 */
export async function runServe(args: ServeArgs, io: CliIO, stop: StopSignal = processSignals()): Promise<number> {
  const addresses = [['--xds-address', args.xdsAddress], ['--admin-address', args.adminAddress], ...(args.metricsAddress === undefined ? [] : [['--metrics-address', args.metricsAddress]])] as const;
  for (const [option, address] of addresses) {
    try {
      parseListenAddress(address);
    } catch (error) {
      throw new CliError(`${option}: ${errorMessage(error)}`);
    }
  }
  const directory = resolve(args.resources);
  if (!args.kubernetes && !isDirectory(directory)) throw new CliError(`--resources '${args.resources}': no such folder`);

  // The latest entries stay in memory too, for /debug/logs and `portico diagnose --admin --bundle`.
  const recentLogs = new RecentLogs();
  const logger = createLogger({ level: args.logLevel, stream: writableOf(io.stderr), recent: recentLogs });
  const tls = args.xdsTls ? xdsTlsSource(args.xdsTls, logger) : undefined;
  // Loaded only with --kubernetes: serving files never loads @kubernetes/client-node (~70 MiB resident).
  const cluster = args.kubernetes ? (await import('./serve-kubernetes.js')).kubernetesSources(args.kubernetes, args.controllerName, logger) : undefined;
  const provider: ResourceProvider =
    cluster?.provider ??
    createFileProvider({
      directory,
      logger,
      ...(args.stateDir === undefined ? {} : { stateDirectory: resolve(args.stateDir) }),
      ...(args.maxFileBytes === undefined ? {} : { maxFileBytes: args.maxFileBytes }),
    });
  const envoys = args.runEnvoy ? envoyRunner(args.xdsAddress, logger) : undefined;
  const server = createPorticoServer({
    provider,
    xdsAddress: args.xdsAddress,
    xdsLimits: {
      maxStreams: args.xdsLimits.maxStreams,
      maxStreamsPerConnection: args.xdsLimits.maxStreamsPerConnection,
      maxBlockedMs: Math.round(args.xdsLimits.blockedStreamTimeoutS * 1000),
    },
    adminAddress: args.adminAddress,
    ...(args.metricsAddress === undefined ? {} : { metricsAddress: args.metricsAddress }),
    ...(args.adminAllowedHosts ? { adminAllowedHosts: args.adminAllowedHosts } : {}),
    logger,
    recentLogs,
    ...(args.controllerName ? { controllerName: args.controllerName } : {}),
    ...(args.externalNameServices ? { externalNameServices: args.externalNameServices } : {}),
    ...(args.rateLimitService ? { rateLimitService: args.rateLimitService } : {}),
    ...(args.rateLimitConfigDir ? { rateLimitConfigDir: resolve(args.rateLimitConfigDir) } : {}),
    ...(args.translateInProcess ? { translateInProcess: true } : {}),
    ...(envoys ? { envoys } : {}),
    ...(tls ? { tls } : {}),
    ...(args.xdsAllowSharedClientCertificate ? { xdsIdentity: { allowSharedClientCertificate: true } } : {}),
    ...(cluster ? { cluster: cluster.controller } : {}),
  });
  if (args.xdsAllowSharedClientCertificate) {
    logger.warn('xDS compatibility mode: a client certificate that names no gateway may claim any gateway and receive its TLS keys; issue per-gateway certificates and drop --xds-allow-shared-client-certificate');
  }
  logger.info('starting', { ...(cluster ? { kubernetes: cluster.server, identity: args.kubernetes!.identity } : { resources: directory }), xdsAddress: args.xdsAddress, adminAddress: args.adminAddress, xdsTls: tls !== undefined });
  if (cluster && isLoopbackHost(parseListenAddress(args.xdsAddress).host)) {
    logger.warn('xDS listens on loopback only: Envoy pods cannot reach it; pass --xds-address 0.0.0.0:18000 (with --xds-tls-*)', { xdsAddress: args.xdsAddress });
  }
  let started;
  try {
    started = await server.start();
  } catch (error) {
    await envoys?.stop().catch(() => undefined);
    throw startError(error, args);
  }
  // The bound port: `--admin-address 127.0.0.1:0` picks a free one.
  const adminHost = parseListenAddress(args.adminAddress).host;
  const admin = `${adminHost.includes(':') ? `[${adminHost}]` : adminHost}:${started.adminPort}`;
  logger.info(`ready: admin on http://${admin}, dashboard at http://${admin}/ui (try 'portico dump status')`);
  const signal = await stop;
  logger.info('shutting down', { signal });
  await server.shutdown();
  await flush(logger);
  return 0;
}

/** The first SIGTERM or SIGINT. The handlers stay installed, so a second Ctrl-C does not kill the shutdown half-way. */
function processSignals(): StopSignal {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => resolve(signal);
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  });
}

/** Waits until every log entry is written: the process may exit right after `serve` returns. */
function flush(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    logger.once('finish', () => resolve());
    logger.end();
  });
}

function envoyRunner(xdsAddress: string, logger: Logger) {
  try {
    return createEnvoyRunner({ xdsAddress, logger });
  } catch (error) {
    if (error instanceof EnvoyNotFoundError) throw new CliError(error.message);
    throw error;
  }
}

/** Unreadable or mismatched files are the user's to fix, and are found before anything binds. */
function xdsTlsSource(files: NonNullable<ServeArgs['xdsTls']>, logger: Logger): XdsTlsSource {
  try {
    return createXdsTlsFileSource({ ...files, logger });
  } catch (error) {
    if (error instanceof XdsTlsFilesError) throw new CliError(`xDS TLS: ${error.message}`);
    throw error;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Binding failures are the user's to fix (another process on the port, a privileged port); the rest is ours. */
function startError(error: unknown, args: ServeArgs): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const message = errorMessage(error);
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    const metrics = args.metricsAddress === undefined ? '' : ` or --metrics-address ${args.metricsAddress}`;
    return new CliError(`cannot listen on --admin-address ${args.adminAddress}${metrics}: ${message}`);
  }
  // @grpc/grpc-js reports a failed bind in its message only ("No address added out of total 1 resolved").
  if (/No address added/.test(message)) return new CliError(`cannot listen on --xds-address ${args.xdsAddress}: ${message}`);
  if (/cannot use state directory/.test(message)) return new CliError(`--state-dir '${args.stateDir}': ${message}`);
  if (/ENOENT|EACCES|ENOTDIR/.test(message)) return new CliError(`cannot read --resources '${args.resources}': ${message}`);
  return error;
}

/** The CLI's stderr as a stream for winston; a terminal stays a terminal (readable log lines). */
export function writableOf(output: CliIO['stderr']): Writable & { isTTY?: boolean } {
  const stream: Writable & { isTTY?: boolean } = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      output.write(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      callback();
    },
  });
  stream.isTTY = (output as { isTTY?: boolean }).isTTY === true;
  return stream;
}
