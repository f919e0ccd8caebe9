/** The arguments of `portico dump`, checked before anything is fetched. */
import { parseArgs } from 'node:util';
import { CliError, rejectPositionals, withArgErrors } from '../../args.js';

export const DUMP_VIEWS = ['ir', 'xds', 'status', 'clients'] as const;
export type DumpView = (typeof DUMP_VIEWS)[number];
export type DumpFormat = 'yaml' | 'json' | 'table';

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:19000';

export interface DumpArgs {
  view: DumpView;
  gateway?: string;
  /** The admin server's base URL, without a trailing slash. */
  admin: string;
  output: DumpFormat;
}

export const DUMP_HELP = `Usage: portico dump ir|xds|status|clients [--gateway NAMESPACE/NAME] [--admin URL]
                    [-o yaml|json|table]

Prints what a running 'portico serve' holds, from its admin server:
  ir        the IR of each Gateway (private keys redacted)
  xds       the Envoy config each Gateway's proxies are served, in /config_dump shape (keys redacted)
  status    the status of every Gateway API / Ingress object, the files that fail to load
            (file, document, field), and diagnostics
  clients   the connected Envoys and gRPC clients: node, gateway, ACKed version per type, last NACK

Options:
      --gateway NAMESPACE/NAME  Only this Gateway (its objects, for status; its clients, for clients)
      --admin URL               The admin server (default ${DEFAULT_ADMIN_URL})
  -o, --output FORMAT           yaml, json, or table (status and clients only). Default: table for
                                status and clients, yaml for ir and xds
  -h, --help                    Show this help

Examples:
  portico dump status
  portico dump xds --gateway default/demo -o json
  portico dump clients --admin http://10.0.0.5:19000
`;

const OPTIONS = {
  gateway: { type: 'string' },
  admin: { type: 'string', default: DEFAULT_ADMIN_URL },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses `portico dump` arguments; `undefined` means `--help` was asked for. */
export function parseDumpArgs(args: string[]): DumpArgs | undefined {
  const { values, positionals } = withArgErrors('dump', () => parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true }));
  if (values.help) return undefined;
  const [view, ...rest] = positionals;
  if (view === undefined) throw new CliError(`missing what to dump (one of: ${DUMP_VIEWS.join(', ')})`);
  if (!(DUMP_VIEWS as readonly string[]).includes(view)) throw new CliError(`invalid view '${view}': expected one of ${DUMP_VIEWS.join(', ')}`);
  rejectPositionals('dump', rest);
  const tables = view === 'status' || view === 'clients';
  const output = values.output ?? (tables ? 'table' : 'yaml');
  if (output !== 'yaml' && output !== 'json' && output !== 'table') throw new CliError(`invalid --output '${output}': expected yaml, json or table`);
  if (output === 'table' && !tables) throw new CliError(`--output table is for status and clients; '${view}' prints yaml or json`);
  const gateway = values.gateway;
  if (gateway !== undefined && !/^[^/\s]+\/[^/\s]+$/.test(gateway)) throw new CliError(`invalid --gateway '${gateway}': expected namespace/name`);
  return { view: view as DumpView, admin: adminUrl(values.admin), output, ...(gateway === undefined ? {} : { gateway }) };
}

/** `host:port` is taken for `http://host:port`; anything else must be an http(s) URL. */
export function adminUrl(value: string): string {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`invalid --admin '${value}': expected a URL such as ${DEFAULT_ADMIN_URL}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`invalid --admin '${value}': expected an http or https URL`);
  return url.href.replace(/\/+$/, '');
}
