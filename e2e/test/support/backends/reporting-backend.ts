/**
 * HTTP backends that report what reached them, as the conformance suite's echo server does: each
 * answers 200 with a JSON body naming itself and the path and Host it received, so a test can tell
 * which backend a gateway chose and what the gateway rewrote on the way.
 */
import { createServer, request, type Server } from 'node:http';

export interface ReportingBackend {
  name: string;
  port: number;
  server: Server;
}

/** What a ReportingBackend saw. */
export interface Report {
  backend: string;
  path: string;
  host: string;
}

export async function startReportingBackend(name: string): Promise<ReportingBackend> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ backend: name, path: req.url ?? '', host: req.headers.host ?? '' } satisfies Report));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { name, port: (server.address() as { port: number }).port, server };
}

export function closeReportingBackend(backend: ReportingBackend): Promise<void> {
  backend.server.closeAllConnections();
  return new Promise((ok) => backend.server.close(() => ok()));
}

/**
 * A GET of 127.0.0.1:`port``path` with this Host and headers (fetch cannot set Host), no keep-alive,
 * 5 s at most: the status and, for a 200 from a ReportingBackend, its report. A failed request is status 0.
 */
export function getReport(port: number, path: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number; report?: Report }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { ...headers, host }, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        let report: Report | undefined;
        if (status === 200) {
          try {
            report = JSON.parse(body) as Report;
          } catch {
            report = undefined;
          }
        }
        resolve(report ? { status, report } : { status });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0 }));
    req.end();
  });
}
