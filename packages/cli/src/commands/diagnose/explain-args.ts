/** The arguments of `portico explain`, checked before anything is loaded or fetched. */
import { parseArgs } from 'node:util';
import { CliError, withArgErrors } from '../../args.js';
import { DEFAULT_ADMIN_URL } from '../translate/dump-args.js';

export type ExplainSource = { kind: 'files'; files: string[] } | { kind: 'admin'; admin: string };

export interface ExplainArgs {
  url: string;
  method?: string;
  headers: string[];
  gateway?: string;
  source: ExplainSource;
  port?: number;
  sni?: string;
  output: 'text' | 'json';
  controllerName?: string;
}

export const EXPLAIN_HELP = `Usage: portico explain URL [-X METHOD] [-H 'Name: value'...] [--gateway NAMESPACE/NAME]
                       [-f FILE... | --resources DIR | --admin URL] [--port N] [--sni NAME]
                       [-o text|json]

Explains what a gateway's Envoys do with one HTTP request, from the xDS they are served: the
listener (by port), the filter chain (by SNI), the virtual host (by Host), the route and the Gateway
API / Ingress rule it comes from, the filters applied, the backends with their weights and healthy
endpoints, and the status Envoy answers with: 0 when forwarded, or the 301/302 of a redirect, the 404
of an unknown host or path, the 421 of a host served by another HTTPS listener, the 500 of an invalid
backend, the 503 of a Service without endpoints. Near misses are the routes that almost matched,
with the first condition that failed.

The URL gives the scheme (https: TLS with the host as SNI), the Host, the port (80/443 by default)
and the path with its query string.

Options:
  -X, --request METHOD      The method (default GET)
  -H, --header 'Name: value'
                            A request header, as curl takes it (repeatable; 'Host: …' overrides the URL's)
      --gateway NAMESPACE/NAME
                            The Gateway whose proxies take the request (needed when several have
                            a listener on the port)
  -f, --file FILE           Explain offline from these files or directories (repeatable), translated
                            as 'portico translate' does
      --resources DIR       The same, for the folder 'portico serve --resources' watches
      --admin URL           Explain from a running server's /debug/xds (default ${DEFAULT_ADMIN_URL}
                            when no file is given)
      --port N              Connect to this port instead of the URL's (the Host header keeps the URL's)
      --sni NAME            The TLS server name to send (default: the URL's host)
  -o, --output FORMAT       text (default) or json: one object with listener, filterChain,
                            virtualHost, route, rule, status, redirect, backends (cluster, weight,
                            endpoints), nearMisses
      --controller-name NAME
                            With -f/--resources: act as the controller of this controllerName
  -h, --help                Show this help

Exit codes: 0 explained (whatever the status), 1 invalid arguments or input.

Examples:
  portico explain http://shop.example.com:8080/api/v1 -H 'x-canary: true' -f examples/
  portico explain https://shop.example.com/api --port 8443 --gateway default/demo -o json
`;

const OPTIONS = {
  request: { type: 'string', short: 'X' },
  header: { type: 'string', short: 'H', multiple: true },
  gateway: { type: 'string' },
  file: { type: 'string', short: 'f', multiple: true },
  resources: { type: 'string' },
  admin: { type: 'string' },
  port: { type: 'string' },
  sni: { type: 'string' },
  output: { type: 'string', short: 'o', default: 'text' },
  'controller-name': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses `portico explain` arguments; `undefined` means `--help` was asked for. */
export function parseExplainArgs(args: string[]): ExplainArgs | undefined {
  const { values, positionals } = withArgErrors('explain', () => parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true }));
  if (values.help) return undefined;
  const [url, ...rest] = positionals;
  if (url === undefined) throw new CliError('missing the request URL (for example http://shop.example.com:8080/api)');
  if (rest.length > 0) throw new CliError(`unexpected argument '${rest[0]}': one URL is explained at a time (see 'portico explain --help')`);
  const files = [...(values.file ?? []), ...(values.resources === undefined ? [] : [values.resources])];
  if (files.length > 0 && values.admin !== undefined) throw new CliError('give either files (-f/--resources) or --admin, not both');
  if (files.includes('')) throw new CliError('-f/--resources needs a name, not an empty string');
  const source: ExplainSource = files.length > 0 ? { kind: 'files', files } : { kind: 'admin', admin: adminUrl(values.admin ?? DEFAULT_ADMIN_URL) };
  const output = values.output;
  if (output !== 'text' && output !== 'json') throw new CliError(`invalid --output '${output}': expected text or json`);
  const gateway = values.gateway;
  if (gateway !== undefined && !/^[^/\s]+\/[^/\s]+$/.test(gateway)) throw new CliError(`invalid --gateway '${gateway}': expected namespace/name`);
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!/^[0-9]+$/.test(values.port) || port < 1 || port > 65535) throw new CliError(`invalid --port '${values.port}': expected 1-65535`);
  }
  const method = values.request;
  if (method !== undefined && !/^[A-Za-z]+$/.test(method)) throw new CliError(`invalid method '${method}'`);
  return {
    url,
    headers: values.header ?? [],
    source,
    output,
    ...(method === undefined ? {} : { method }),
    ...(gateway === undefined ? {} : { gateway }),
    ...(port === undefined ? {} : { port }),
    ...(values.sni === undefined ? {} : { sni: values.sni }),
    ...(values['controller-name'] === undefined ? {} : { controllerName: values['controller-name'] }),
  };
}

function adminUrl(value: string): string {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    return url.href.replace(/\/+$/, '');
  } catch {
    throw new CliError(`invalid --admin '${value}': expected a URL such as ${DEFAULT_ADMIN_URL}`);
  }
}
