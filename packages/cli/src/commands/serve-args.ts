/**
 * The arguments of `portico serve` (DESIGN.md §3), checked before the server is loaded: a typo
 * answers at once, with exit code 1, and `--help` works even where the pipeline cannot load. The
 * addresses are checked by the server package (serve.ts), still before anything binds.
 */
import { parseArgs } from 'node:util';
import { CliError, rejectPositionals, withArgErrors } from '../args.js';
import { KUBERNETES_HELP, KUBERNETES_OPTIONS, kubernetesServeArgs, type KubernetesServeArgs } from './serve-kubernetes-args.js';

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
  /** mTLS for xDS: the server's certificate and key, and the CA that signs Envoys' certificates. */
  xdsTls?: { certFile: string; keyFile: string; caFile: string };
  /** `--xds-allow-shared-client-certificate`: a client certificate naming no gateway may claim any (compatibility). */
  xdsAllowSharedClientCertificate?: boolean;
  /** `--kubernetes`: watch the cluster instead of `resources`. */
  kubernetes?: KubernetesServeArgs;
}

export const SERVE_HELP = `Usage: portico serve [--resources DIR | --kubernetes [options below]] [--xds-address HOST:PORT] [--admin-address HOST:PORT]
                     [--xds-tls-cert FILE --xds-tls-key FILE --xds-tls-ca FILE [--xds-allow-shared-client-certificate]]
                     [--controller-name NAME] [--log-level LEVEL] [--run-envoy]

Runs the control plane: watches a folder of Gateway API / Ingress YAML (or a Kubernetes cluster),
translates it on every change, and serves each Gateway's Envoy configuration over xDS (ADS,
state-of-the-world and delta). A file that fails to load is reported and its last good version keeps
being served. In a cluster it also writes statuses back and runs one Envoy Deployment per Gateway.

Options:
      --resources DIR           The folder to watch, read recursively (default ${DEFAULT_RESOURCES})
      --kubernetes              Watch a Kubernetes cluster instead (see below)
      --xds-address HOST:PORT   Where Envoys and gRPC clients connect (default ${DEFAULT_XDS_ADDRESS})
      --admin-address HOST:PORT Health, metrics and debug endpoints (default ${DEFAULT_ADMIN_ADDRESS}):
                                /healthz /readyz /metrics /debug/ir /debug/xds /debug/status /debug/clients
      --xds-tls-cert FILE       Mutual TLS 1.3 on xDS: the server's certificate (PEM),
      --xds-tls-key FILE        its private key,
      --xds-tls-ca FILE         and the CA that Envoys' client certificates must chain to. All three or
                                none ('portico certgen' makes them). The files are re-read every 10 s:
                                a renewed certificate (e.g. a rotated Kubernetes Secret) is used for new
                                connections without a restart; connected Envoys keep theirs.
                                A client certificate must name the gateway its Envoy claims in
                                node.cluster (spiffe://portico/ns/NS/gateway/NAME) or its namespace
                                (spiffe://portico/ns/NS/gateways): 'portico certgen --gateway'. Another
                                claim ends the stream with PERMISSION_DENIED, so no Envoy gets another
                                gateway's configuration or TLS keys
      --xds-allow-shared-client-certificate
                                Compatibility with earlier versions: a client certificate that names no
                                gateway (the shared portico-envoy-client) may claim any gateway. Use only
                                while upgrading: anyone holding it can read every gateway's TLS keys
      --controller-name NAME    Serve GatewayClasses with this controllerName
                                (default portico.dev/gateway-controller)
      --log-level LEVEL         ${LOG_LEVELS.join(', ')} (default info). Logs go to standard error:
                                JSON lines, or readable lines on a terminal
      --run-envoy               Also run one Envoy per Gateway (needs envoy on PATH or ENVOY_BIN)
  -h, --help                    Show this help

${KUBERNETES_HELP}
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
  'xds-tls-cert': { type: 'string' },
  'xds-tls-key': { type: 'string' },
  'xds-tls-ca': { type: 'string' },
  'xds-allow-shared-client-certificate': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
  ...KUBERNETES_OPTIONS,
} as const;

/** Parses `portico serve` arguments; `undefined` means `--help` was asked for. */
export function parseServeArgs(args: string[]): ServeArgs | undefined {
  const { values, positionals } = withArgErrors('serve', () => parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true }));
  if (values.help) return undefined;
  rejectPositionals('serve', positionals);
  const kubernetesOnly = Object.keys(KUBERNETES_OPTIONS).filter((option) => option in values);
  if (!values.kubernetes && kubernetesOnly.length > 0) throw new CliError(`--${kubernetesOnly[0]} needs --kubernetes`);
  if (values.resources === '') throw new CliError('--resources needs a folder, not an empty string');
  const logLevel = values['log-level'];
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new CliError(`invalid --log-level '${logLevel}': expected one of ${LOG_LEVELS.join(', ')}`);
  const controllerName = values['controller-name'];
  if (controllerName === '') throw new CliError('--controller-name must not be empty');
  const xdsTls = xdsTlsFiles(values['xds-tls-cert'], values['xds-tls-key'], values['xds-tls-ca']);
  const allowShared = values['xds-allow-shared-client-certificate'];
  if (allowShared && !xdsTls) throw new CliError('--xds-allow-shared-client-certificate needs --xds-tls-cert, --xds-tls-key and --xds-tls-ca');
  const kubernetes = values.kubernetes ? kubernetesServeArgs(values, values['xds-address'], xdsTls !== undefined) : undefined;
  return {
    resources: values.resources,
    xdsAddress: values['xds-address'],
    adminAddress: values['admin-address'],
    logLevel: logLevel as LogLevel,
    runEnvoy: values['run-envoy'],
    ...(controllerName === undefined ? {} : { controllerName }),
    ...(xdsTls ? { xdsTls } : {}),
    ...(allowShared ? { xdsAllowSharedClientCertificate: true } : {}),
    ...(kubernetes ? { kubernetes } : {}),
  };
}

/** A half-configured mTLS would silently serve plain text or fail at the first handshake: all three or none. */
function xdsTlsFiles(certFile?: string, keyFile?: string, caFile?: string): ServeArgs['xdsTls'] {
  const given = [certFile, keyFile, caFile].filter((file) => file !== undefined);
  if (given.length === 0) return undefined;
  if (given.length < 3) throw new CliError('mTLS needs all three of --xds-tls-cert, --xds-tls-key and --xds-tls-ca');
  if (given.includes('')) throw new CliError('--xds-tls-cert, --xds-tls-key and --xds-tls-ca need file paths, not empty strings');
  return { certFile: certFile!, keyFile: keyFile!, caFile: caFile! };
}
