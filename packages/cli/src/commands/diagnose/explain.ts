/**
 * `portico explain URL`: where a request goes through a gateway, computed from the xDS its proxies
 * are served — built offline from files (as `translate --to xds`) or fetched from a running server's
 * /debug/xds. Loaded lazily by `main`.
 */
import { chooseGateway, ExplainGatewayError, explainRequest, ExplainRequestError, offlineInput, parseExplainRequest, renderExplanation } from '@portico/diagnose';
import { loadResources, type ResourceLoadError } from '@portico/resources';
import { DEFAULT_CONTROLLER_NAME } from '@portico/translator';
import { CliError, errorMessage } from '../../args.js';
import type { CliIO } from '../../cli-io.js';
import type { ExplainArgs } from './explain-args.js';

const ADMIN_TIMEOUT_MS = 60_000;

export async function runExplain(args: ExplainArgs, io: CliIO, fetchImpl: typeof fetch = fetch): Promise<number> {
  let request;
  try {
    request = parseExplainRequest(args.url, {
      headers: args.headers,
      ...(args.method ? { method: args.method } : {}),
      ...(args.port ? { port: args.port } : {}),
      ...(args.sni ? { sni: args.sni } : {}),
    });
  } catch (error) {
    if (error instanceof ExplainRequestError) throw new CliError(error.message);
    throw error;
  }
  const xds = args.source.kind === 'files' ? await xdsFromFiles(args, io) : await xdsFromAdmin(args.source.admin, args.gateway, fetchImpl);
  let gateway: string;
  try {
    gateway = chooseGateway(xds, request, args.gateway);
  } catch (error) {
    if (error instanceof ExplainGatewayError) throw new CliError(error.message);
    throw error;
  }
  io.stdout.write(renderExplanation(explainRequest(gateway, xds.get(gateway), request), args.output));
  return 0;
}

async function xdsFromFiles(args: ExplainArgs, io: CliIO): Promise<ReadonlyMap<string, unknown>> {
  const files = args.source.kind === 'files' ? args.source.files : [];
  const invalid: ResourceLoadError[] = [];
  const { objects } = await loadResources(files, { onInvalid: (error) => invalid.push(error) });
  for (const error of invalid) io.stderr.write(`portico: warning: ${error.message} (left out)\n`);
  const input = offlineInput(objects, new Date(), { controllerName: args.controllerName ?? DEFAULT_CONTROLLER_NAME });
  return input.xds ?? new Map();
}

async function xdsFromAdmin(admin: string, gateway: string | undefined, fetchImpl: typeof fetch): Promise<ReadonlyMap<string, unknown>> {
  const query = new URLSearchParams({ format: 'json', ...(gateway ? { gateway } : {}) });
  let response: Response;
  try {
    response = await fetchImpl(`${admin}/debug/xds?${query}`, { signal: AbortSignal.timeout(ADMIN_TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: unknown } | null)?.cause;
    throw new CliError(`cannot reach the admin server at ${admin}: ${errorMessage(cause ?? error)} (is 'portico serve' running? see --admin, or explain offline with -f)`);
  }
  let body: { xds?: Record<string, unknown>; error?: unknown };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new CliError(`unexpected answer from ${admin}/debug/xds: HTTP ${response.status}, not JSON`);
  }
  if (!response.ok) throw new CliError(`${admin}: ${typeof body.error === 'string' ? body.error : `HTTP ${response.status}`}`);
  return new Map(Object.entries(body.xds ?? {}));
}
