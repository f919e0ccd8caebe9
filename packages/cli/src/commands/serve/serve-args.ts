/**
 * The arguments of `portico serve` (DESIGN.md §3), checked before the server is loaded: a typo
 * answers at once, with exit code 1, and `--help` works even where the pipeline cannot load. The
 * addresses are checked by the server package (serve.ts), still before anything binds.
 */
import { parseArgs } from 'node:util';
import type { ExternalNameServices } from '@portico/translator';
import { CliError, rejectPositionals, withArgErrors } from '../../args.js';
import { EXTERNAL_NAME_HELP, EXTERNAL_NAME_OPTIONS, externalNameServices } from './external-name-args.js';
import { FILE_HELP, FILE_OPTIONS, fileServeArgs, type FileServeArgs } from './serve-file-args.js';
import { RATE_LIMIT_HELP, RATE_LIMIT_OPTIONS, rateLimitArgs, type RateLimitArgs } from './rate-limit-args.js';
import { KUBERNETES_HELP, KUBERNETES_OPTIONS, kubernetesServeArgs, type KubernetesServeArgs } from './serve-kubernetes-args.js';

export const DEFAULT_RESOURCES = './examples';
/** Loopback: xDS serves every gateway's keys; listening elsewhere is a choice made with --xds-address (and mTLS). */
export const DEFAULT_XDS_ADDRESS = '127.0.0.1:18000';
/** @portico/xds-server's DEFAULT_STREAM_LIMITS, repeated so that parsing arguments does not load the server. */
export const DEFAULT_XDS_MAX_STREAMS = 10_000;
export const DEFAULT_XDS_MAX_STREAMS_PER_CONNECTION = 100;
export const DEFAULT_XDS_BLOCKED_STREAM_TIMEOUT_S = 30;
export const DEFAULT_ADMIN_ADDRESS = '127.0.0.1:19000';

/** @portico/server's LOG_LEVELS, repeated so that parsing arguments does not load the server. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ServeArgs extends FileServeArgs, RateLimitArgs {
  resources: string;
  xdsAddress: string;
  adminAddress: string;
  /** A second admin listener with /healthz, /readyz and /metrics only (`--metrics-address`). */
  metricsAddress?: string;
  /** Host names the admin listeners answer besides their own (`--admin-allowed-hosts`). */
  adminAllowedHosts?: string[];
  controllerName?: string;
  /** `--allow-external-name-services` (`allow`), with `--allow-external-name-loopback` (`allow-loopback`). */
  externalNameServices?: ExternalNameServices;
  logLevel: LogLevel;
  runEnvoy: boolean;
  /** `--translate-in-process`: translate on the main thread, not on the translation worker (debugging). */
  translateInProcess?: boolean;
  /** What one xDS client may cost: streams open at once (in all, per connection), seconds a response may wait unread. */
  xdsLimits: { maxStreams: number; maxStreamsPerConnection: number; blockedStreamTimeoutS: number };
  /** mTLS for xDS: the server's certificate and key, and the CA that signs Envoys' certificates. */
  xdsTls?: { certFile: string; keyFile: string; caFile: string };
  /** `--xds-allow-shared-client-certificate`: a client certificate naming no gateway may claim any (compatibility). */
  xdsAllowSharedClientCertificate?: boolean;
  /** `--kubernetes`: watch the cluster instead of `resources`. */
  kubernetes?: KubernetesServeArgs;
}

export const SERVE_HELP = `Usage: portico serve [--resources DIR | --kubernetes [options below]] [--xds-address HOST:PORT] [--admin-address HOST:PORT]
                     [--metrics-address HOST:PORT] [--admin-allowed-hosts NAME,…]
                     [--xds-tls-cert FILE --xds-tls-key FILE --xds-tls-ca FILE [--xds-allow-shared-client-certificate]]
                     [--xds-max-streams N] [--xds-max-streams-per-connection N] [--xds-blocked-stream-timeout SECONDS]
                     [--controller-name NAME] [--allow-external-name-services [--allow-external-name-loopback]]
                     [--rate-limit-service HOST:PORT [--rate-limit-fail-closed] [--rate-limit-timeout-ms N] [--rate-limit-config-dir DIR]]
                     [--log-level LEVEL] [--run-envoy] [--translate-in-process]

Runs the control plane: watches a folder of Gateway API / Ingress YAML (or a Kubernetes cluster),
translates it on every change, and serves each Gateway's Envoy configuration over xDS (ADS,
state-of-the-world and delta). A file that fails to load is reported and its last good version keeps
being served. In a cluster it also writes statuses back and runs one Envoy Deployment per Gateway.

Options:
      --resources DIR           The folder to watch, read recursively (default ${DEFAULT_RESOURCES})
${FILE_HELP}      --kubernetes              Watch a Kubernetes cluster instead (see below)
      --xds-address HOST:PORT   Where Envoys and gRPC clients connect (default ${DEFAULT_XDS_ADDRESS}, this machine
                                only). xDS hands out every gateway's config and TLS keys: listen elsewhere
                                (e.g. 0.0.0.0:18000) with mTLS; plain text off loopback is logged as a warning
      --admin-address HOST:PORT Health, metrics and debug endpoints (default ${DEFAULT_ADMIN_ADDRESS}):
                                /healthz /readyz /metrics /debug/ir /debug/xds /debug/status /debug/clients
      --metrics-address HOST:PORT
                                Also serve /healthz, /readyz and /metrics (nothing else) here, e.g. on the
                                pod IP for probes and Prometheus while /debug stays on loopback
      --admin-allowed-hosts NAME,…
                                Host headers the admin and metrics listeners answer besides loopback
                                names, the bound IP and (bound to 0.0.0.0 or ::) this machine's IPs;
                                others get 403 (DNS rebinding). '*' answers any
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
      --xds-max-streams N       xDS streams open at once, all clients together; more are refused with
                                RESOURCE_EXHAUSTED (default ${DEFAULT_XDS_MAX_STREAMS})
      --xds-max-streams-per-connection N
                                The same, per client connection (default ${DEFAULT_XDS_MAX_STREAMS_PER_CONNECTION})
      --xds-blocked-stream-timeout SECONDS
                                A client that leaves a response unread this long has its stream ended
                                (RESOURCE_EXHAUSTED); meanwhile only its newest response per type is kept
                                (default ${DEFAULT_XDS_BLOCKED_STREAM_TIMEOUT_S})
      --controller-name NAME    Serve GatewayClasses with this controllerName
                                (default portico.dev/gateway-controller)
${EXTERNAL_NAME_HELP}${RATE_LIMIT_HELP}      --log-level LEVEL         ${LOG_LEVELS.join(', ')} (default info). Logs go to standard error:
                                JSON lines, or readable lines on a terminal
      --run-envoy               Also run one Envoy per Gateway (needs envoy on PATH or ENVOY_BIN)
      --translate-in-process    Translate, build and encode on the main thread instead of a worker
                                thread (for debugging: xDS, probes and the admin server then wait
                                while a large translation runs)
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
  'metrics-address': { type: 'string' },
  'admin-allowed-hosts': { type: 'string', multiple: true },
  'controller-name': { type: 'string' },
  'log-level': { type: 'string', default: 'info' },
  'run-envoy': { type: 'boolean', default: false },
  'translate-in-process': { type: 'boolean', default: false },
  'xds-max-streams': { type: 'string' },
  'xds-max-streams-per-connection': { type: 'string' },
  'xds-blocked-stream-timeout': { type: 'string' },
  'xds-tls-cert': { type: 'string' },
  'xds-tls-key': { type: 'string' },
  'xds-tls-ca': { type: 'string' },
  'xds-allow-shared-client-certificate': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
  ...FILE_OPTIONS,
  ...KUBERNETES_OPTIONS,
  ...EXTERNAL_NAME_OPTIONS,
  ...RATE_LIMIT_OPTIONS,
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
  const adminAllowedHosts = (values['admin-allowed-hosts'] ?? []).flatMap((list) => list.split(',')).map((host) => host.trim());
  if (adminAllowedHosts.includes('')) throw new CliError('--admin-allowed-hosts needs host names, not empty ones');
  const xdsTls = xdsTlsFiles(values['xds-tls-cert'], values['xds-tls-key'], values['xds-tls-ca']);
  const allowShared = values['xds-allow-shared-client-certificate'];
  if (allowShared && !xdsTls) throw new CliError('--xds-allow-shared-client-certificate needs --xds-tls-cert, --xds-tls-key and --xds-tls-ca');
  const externalNames = externalNameServices(values);
  const kubernetes = values.kubernetes ? kubernetesServeArgs(values, values['xds-address'], xdsTls !== undefined) : undefined;
  const xdsLimits = {
    maxStreams: positiveNumber('--xds-max-streams', values['xds-max-streams'], DEFAULT_XDS_MAX_STREAMS, true),
    maxStreamsPerConnection: positiveNumber('--xds-max-streams-per-connection', values['xds-max-streams-per-connection'], DEFAULT_XDS_MAX_STREAMS_PER_CONNECTION, true),
    blockedStreamTimeoutS: positiveNumber('--xds-blocked-stream-timeout', values['xds-blocked-stream-timeout'], DEFAULT_XDS_BLOCKED_STREAM_TIMEOUT_S, false),
  };
  return {
    resources: values.resources,
    xdsAddress: values['xds-address'],
    xdsLimits,
    adminAddress: values['admin-address'],
    ...(values['metrics-address'] === undefined ? {} : { metricsAddress: values['metrics-address'] }),
    ...(adminAllowedHosts.length > 0 ? { adminAllowedHosts } : {}),
    logLevel: logLevel as LogLevel,
    runEnvoy: values['run-envoy'],
    ...(values['translate-in-process'] ? { translateInProcess: true } : {}),
    ...(controllerName === undefined ? {} : { controllerName }),
    ...(externalNames === undefined ? {} : { externalNameServices: externalNames }),
    ...(xdsTls ? { xdsTls } : {}),
    ...(allowShared ? { xdsAllowSharedClientCertificate: true } : {}),
    ...(kubernetes ? { kubernetes } : {}),
    ...fileServeArgs(values, values.kubernetes),
    ...rateLimitArgs(values),
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

/** A number above zero (a whole one when `integer`), or `fallback` when the option is absent. */
function positiveNumber(option: string, text: string | undefined, fallback: number, integer: boolean): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new CliError(`invalid ${option} '${text}': expected ${integer ? 'a whole number' : 'a number'} above 0`);
  }
  return value;
}
