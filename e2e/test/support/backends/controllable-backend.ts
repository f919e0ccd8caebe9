/**
 * HTTP backends a test can turn bad on purpose, for BackendPolicy e2e: each answers its own name,
 * and counts what reached it.
 * - `failing`: every request but the health check answers 503 (what outlier detection ejects on).
 * - `healthy`: GET /healthz answers 200 when true, 503 when false (what an active health check reads).
 * - `/hold…` requests stay open until `release()` (requests in flight, for circuit breakers); `held`
 *   says how many are waiting, so a test waits for a count instead of sleeping.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface ControllableBackend {
  name: string;
  port: number;
  server: Server;
  failing: boolean;
  healthy: boolean;
  /** Requests served, health checks excluded. */
  served: number;
  healthChecks: number;
  readonly held: number;
  /** Answers every held request 200. */
  release(): void;
}

export async function startControllableBackend(name: string): Promise<ControllableBackend> {
  const waiting: ServerResponse[] = [];
  const backend: ControllableBackend = {
    name,
    port: 0,
    server: createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      if (req.url === '/healthz') {
        backend.healthChecks++;
        res.writeHead(backend.healthy ? 200 : 503, { 'content-type': 'text/plain' }).end(name);
        return;
      }
      backend.served++;
      if (backend.failing) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end(name);
        return;
      }
      if (req.url?.includes('/hold')) {
        waiting.push(res);
        res.on('close', () => waiting.includes(res) && waiting.splice(waiting.indexOf(res), 1));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end(name);
    }),
    failing: false,
    healthy: true,
    served: 0,
    healthChecks: 0,
    get held() {
      return waiting.length;
    },
    release() {
      for (const res of waiting.splice(0)) res.writeHead(200, { 'content-type': 'text/plain' }).end(name);
    },
  };
  await new Promise<void>((ok) => backend.server.listen(0, '127.0.0.1', ok));
  backend.port = (backend.server.address() as { port: number }).port;
  return backend;
}

export function closeControllableBackend(backend: ControllableBackend): Promise<void> {
  backend.release();
  backend.server.closeAllConnections();
  return new Promise((ok) => backend.server.close(() => ok()));
}
