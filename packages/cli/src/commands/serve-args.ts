/**
 * The arguments of `portico serve` (DESIGN.md §3), checked before the server is loaded: a typo
 * answers at once, with exit code 1, and `--help` works even where the pipeline cannot load. The
 * addresses are checked by the server package (serve.ts), still before anything binds.
 */
import { parseArgs } from 'node:util';
import { CliError, rejectPositionals, withArgErrors } from '../args.js';

export const DEFAULT_RESOURCES = './examples';
export const DEFAULT_XDS_ADDRESS = '0.0.0.0:18000';
export const DEFAULT_ADMIN_ADDRESS = '127.0.0.1:19000';

/** @portico/server's LOG_LEVELS, repeated so that parsing arguments does not load the server. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ServeArgs {
  resources: string;
  xdsAddress: string;
  adminAddress: string;
  controllerName?: string;
  logLevel: LogLevel;
  runEnvoy: boolean;
}

export const SERVE_HELP = `Usage: portico serve [--resources DIR] [--xds-address HOST:PORT] [--admin-address HOST:PORT]
                     [--controller-name NAME] [--log-level LEVEL] [--run-envoy]

Runs the control plane: watches a folder of Gateway API / Ingress YAML, translates it on every change,
and serves each Gateway's Envoy configuration over xDS (ADS, state-of-the-world and delta). A file that
fails to load is reported and its last good version keeps being served.

Options:
      --resources DIR           The folder to watch, read recursively (default ${DEFAULT_RESOURCES})
      --kubernetes              Watch a Kubernetes cluster instead (not available yet)
      --xds-address HOST:PORT   Where Envoys and gRPC clients connect (default ${DEFAULT_XDS_ADDRESS})
      --admin-address HOST:PORT Health, metrics and debug endpoints (default ${DEFAULT_ADMIN_ADDRESS}):
                                /healthz /readyz /metrics /debug/ir /debug/xds /debug/status /debug/clients
      --controller-name NAME    Serve GatewayClasses with this controllerName
                                (default portico.dev/gateway-controller)
      --log-level LEVEL         ${LOG_LEVELS.join(', ')} (default info). Logs go to standard error:
                                JSON lines, or readable lines on a terminal
      --run-envoy               Also run one Envoy per Gateway (needs envoy on PATH or ENVOY_BIN)
  -h, --help                    Show this help

Stops cleanly on SIGTERM or SIGINT (Ctrl-C). Inspect a running server with 'portico dump'.

Examples:
  portico serve
  portico serve --resources ./gateway-config --admin-address 0.0.0.0:19000 --log-level debug
`;

const OPTIONS = {
  resources: { type: 'string', default: DEFAULT_RESOURCES },
  kubernetes: { type: 'boolean', default: false },
  'xds-address': { type: 'string', default: DEFAULT_XDS_ADDRESS },
  'admin-address': { type: 'string', default: DEFAULT_ADMIN_ADDRESS },
  'controller-name': { type: 'string' },
  'log-level': { type: 'string', default: 'info' },
  'run-envoy': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses `portico serve` arguments; `undefined` means `--help` was asked for. */
export function parseServeArgs(args: string[]): ServeArgs | undefined {
  const { values, positionals } = withArgErrors('serve', () => parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true }));
  if (values.help) return undefined;
  rejectPositionals('serve', positionals);
  if (values.kubernetes) {
    throw new CliError('the Kubernetes provider is not available yet: serve a folder of YAML with --resources DIR');
  }
  if (values.resources === '') throw new CliError('--resources needs a folder, not an empty string');
  const logLevel = values['log-level'];
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new CliError(`invalid --log-level '${logLevel}': expected one of ${LOG_LEVELS.join(', ')}`);
  const controllerName = values['controller-name'];
  if (controllerName === '') throw new CliError('--controller-name must not be empty');
  return {
    resources: values.resources,
    xdsAddress: values['xds-address'],
    adminAddress: values['admin-address'],
    logLevel: logLevel as LogLevel,
    runEnvoy: values['run-envoy'],
    ...(controllerName === undefined ? {} : { controllerName }),
  };
}
