/**
 * `portico serve`: the file provider on `--resources`, the composition root of @portico/server, and
 * a clean stop on SIGTERM / SIGINT (provider stopped, xDS streams ended gracefully, admin closed,
 * exit code 0). Loaded lazily by `main`, so other commands never load the server.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { createFileProvider } from '@portico/provider';
import { createEnvoyRunner, createLogger, createPorticoServer, EnvoyNotFoundError, parseListenAddress, type Logger } from '@portico/server';
import { CliError, errorMessage } from '../args.js';
import type { CliIO } from '../cli-io.js';
import type { ServeArgs } from './serve-args.js';

/** Resolves with the name of the signal that asks the server to stop. */
export type StopSignal = Promise<string>;

/**
 * Runs `portico serve` until `stop` resolves (SIGTERM or SIGINT of this process by default), then
 * shuts down and resolves to 0. Start-up failures (a missing folder, an address in use) are user
 * errors: exit code 1 with one line.
 */
export async function runServe(args: ServeArgs, io: CliIO, stop: StopSignal = processSignals()): Promise<number> {
  for (const [option, address] of [['--xds-address', args.xdsAddress], ['--admin-address', args.adminAddress]] as const) {
    try {
      parseListenAddress(address);
    } catch (error) {
      throw new CliError(`${option}: ${errorMessage(error)}`);
    }
  }
  const directory = resolve(args.resources);
  if (!isDirectory(directory)) throw new CliError(`--resources '${args.resources}': no such folder`);

  const logger = createLogger({ level: args.logLevel, stream: writableOf(io.stderr) });
  const provider = createFileProvider({ directory, logger });
  const envoys = args.runEnvoy ? envoyRunner(args.xdsAddress, logger) : undefined;
  const server = createPorticoServer({
    provider,
    xdsAddress: args.xdsAddress,
    adminAddress: args.adminAddress,
    logger,
    ...(args.controllerName ? { controllerName: args.controllerName } : {}),
    ...(envoys ? { envoys } : {}),
  });
  logger.info('starting', { resources: directory, xdsAddress: args.xdsAddress, adminAddress: args.adminAddress });
  try {
    await server.start();
  } catch (error) {
    await envoys?.stop().catch(() => undefined);
    throw startError(error, args);
  }
  logger.info(`ready: admin on http://${args.adminAddress} (try 'portico dump status')`);
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
    return new CliError(`cannot listen on --admin-address ${args.adminAddress}: ${message}`);
  }
  // @grpc/grpc-js reports a failed bind in its message only ("No address added out of total 1 resolved").
  if (/No address added/.test(message)) return new CliError(`cannot listen on --xds-address ${args.xdsAddress}: ${message}`);
  if (/ENOENT|EACCES|ENOTDIR/.test(message)) return new CliError(`cannot read --resources '${args.resources}': ${message}`);
  return error;
}

/** The CLI's stderr as a stream for winston; a terminal stays a terminal (readable log lines). */
function writableOf(output: CliIO['stderr']): Writable & { isTTY?: boolean } {
  const stream: Writable & { isTTY?: boolean } = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      output.write(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      callback();
    },
  });
  stream.isTTY = (output as { isTTY?: boolean }).isTTY === true;
  return stream;
}
