/**
 * `portico dump ir|xds|status|clients`: the debug views of a running `portico serve`, fetched from its
 * admin server (always as JSON) and printed as YAML, JSON or a table. Loaded lazily by `main`.
 */
import { formatDocument } from '@portico/ir';
import { CliError, errorMessage } from '../../args.js';
import type { CliIO } from '../../cli-io.js';
import type { DumpArgs } from './dump-args.js';
import { clientsTable, statusTables, type ClientsDocument, type StatusDocument } from './dump-tables.js';

/**
 * A running server answers a cached dump in milliseconds, and renders a new one in slices (seconds at
 * 10,000 routes); a hung one must not hang the command.
 */
const TIMEOUT_MS = 60_000;
/** A server busy with other dumps answers 503 with Retry-After: asked again this many times, at most 5 s apart. */
const BUSY_RETRIES = 5;

export type Fetch = (url: string, init: { signal: AbortSignal }) => Promise<Response>;

export async function runDump(args: DumpArgs, io: CliIO, fetchImpl: Fetch = fetch): Promise<number> {
  const query = new URLSearchParams({ format: 'json', ...(args.gateway ? { gateway: args.gateway } : {}) });
  const url = `${args.admin}/debug/${args.view}?${query}`;
  const document = await fetchDocument(url, args.admin, fetchImpl);
  if (args.output === 'table') {
    io.stdout.write(args.view === 'clients' ? clientsTable(document as ClientsDocument) : statusTables(document as StatusDocument));
  } else {
    io.stdout.write(formatDocument(document, args.output));
  }
  return 0;
}

export async function fetchDocument(url: string, admin: string, fetchImpl: Fetch): Promise<unknown> {
  let response: Response;
  for (let attempt = 0; ; attempt++) {
    try {
      response = await fetchImpl(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      // fetch hides the reason (ECONNREFUSED …) in `cause`.
      const cause = (error as { cause?: unknown } | null)?.cause;
      const reason = cause ? errorMessage(cause) : errorMessage(error);
      throw new CliError(`cannot reach the admin server at ${admin}: ${reason} (is 'portico serve' running? see --admin)`);
    }
    const retryAfter = response.headers.get('retry-after');
    if (response.status !== 503 || retryAfter === null || attempt >= BUSY_RETRIES) break;
    await response.body?.cancel();
    const seconds = Number(retryAfter);
    await new Promise((resolve) => setTimeout(resolve, Math.min(Number.isFinite(seconds) && seconds >= 0 ? seconds : 1, 5) * 1000));
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CliError(`unexpected answer from ${url}: HTTP ${response.status}, not JSON (is ${admin} a Portico admin server?)`);
  }
  if (!response.ok) {
    const message = (body as { error?: unknown } | null)?.error;
    throw new CliError(`${admin}: ${typeof message === 'string' ? message : `HTTP ${response.status}`}`);
  }
  return body;
}
