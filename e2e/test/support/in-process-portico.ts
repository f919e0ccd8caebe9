/**
 * Portico wired in the test's own process the way `portico serve` wires it (the file provider over a
 * folder, one JSON logger for the provider and the server), on free loopback ports, for tests that need
 * a hook only the in-process server offers (e.g. `buildXds` or `workerRewriteIr` to inject what Envoy refuses) or that read
 * every log entry as it is written.
 */
import { Writable } from 'node:stream';
import { createFileProvider } from '@portico/provider';
import { createLogger, createPorticoServer, type PorticoServer, type PorticoServerOptions } from '@portico/server';

export interface InProcessPortico {
  server: PorticoServer;
  xdsPort: number;
  adminPort: number;
  /** GET on the admin server, which must answer 200: the text of /metrics, the JSON of anything else. */
  admin<T = Record<string, any>>(path: string): Promise<T>;
}

export async function startInProcessPortico(options: {
  /** The folder the file provider watches. */
  resources: string;
  /** Each log entry, parsed, in the order written. */
  onLog: (entry: Record<string, any>) => void;
  buildXds?: PorticoServerOptions['buildXds'];
  workerRewriteIr?: PorticoServerOptions['workerRewriteIr'];
}): Promise<InProcessPortico> {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) options.onLog(JSON.parse(line));
      done();
    },
  });
  const logger = createLogger({ level: 'info', format: 'json', stream });
  const server = createPorticoServer({
    provider: createFileProvider({ directory: options.resources, logger }),
    xdsAddress: '127.0.0.1:0',
    adminAddress: '127.0.0.1:0',
    logger,
    ...(options.buildXds ? { buildXds: options.buildXds } : {}),
    ...(options.workerRewriteIr ? { workerRewriteIr: options.workerRewriteIr } : {}),
  });
  const { xdsPort, adminPort } = await server.start();
  return {
    server,
    xdsPort,
    adminPort,
    async admin<T>(path: string) {
      const response = await fetch(`http://127.0.0.1:${adminPort}${path}`);
      expect(response.status).toBe(200);
      return (path.startsWith('/metrics') ? response.text() : response.json()) as Promise<T>;
    },
  };
}
