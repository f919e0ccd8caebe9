/**
 * The arguments of `portico certgen`, checked before the Kubernetes client or node-forge is loaded.
 */
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { CliError, rejectPositionals, withArgErrors } from '../args.js';
import { LOG_LEVELS, type LogLevel } from './serve/serve-args.js';

/** The defaults of @portico/server's certgen, repeated so that parsing arguments does not load the server. */
export const DEFAULT_CERTGEN_SERVICE = 'portico';
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
/** Names a local run adds: Portico reached on this host, by name or address. */
export const LOCAL_EXTRA_NAMES = ['localhost', '127.0.0.1'] as const;

export type CertgenTarget = { kind: 'kubernetes'; namespace: string; envoyNamespace: string } | { kind: 'local'; directory: string };

/** @portico/server's IdentityTarget, repeated so that parsing arguments does not load the server. */
export type CertgenIdentity = { kind: 'gateway'; namespace: string; name: string } | { kind: 'namespace'; namespace: string };

export interface CertgenArgs {
  target: CertgenTarget;
  service: string;
  /** Namespace for the Service names in the server certificate (required for Kubernetes, optional locally). */
  namespace?: string;
  clusterDomain: string;
  extraNames: string[];
  overwrite: boolean;
  logLevel: LogLevel;
  /** `--gateway ns/name` and `--gateway-namespace ns` (local only): client certificates naming them. */
  identities: CertgenIdentity[];
}

export const CERTGEN_HELP = `Usage: portico certgen --namespace NS [--kubernetes] [--envoy-namespace NS] [options]
       portico certgen --local DIR [--namespace NS] [options]

Makes the certificates for mutual TLS between Portico's xDS server and the Envoys: a CA (5 years), the
xDS server certificate and the Envoy client certificate (1 year each, RSA 2048). Run it again at any time:
what is stored and still good is kept; a certificate that expires within 30 days, is missing, or names
other hosts is reissued by the same CA (so nobody has to restart), and everything is reissued when the
CA itself is missing or expires within 30 days. Private keys are never printed or logged.

Kubernetes (the default; in-cluster credentials, or KUBECONFIG / ~/.kube/config) — Secrets in NS:
  portico-xds-ca        ca.crt                      the CA certificate, safe to share
  portico-xds-ca-key    tls.crt, tls.key            the CA and its key: read by certgen only
  portico-xds-server    tls.crt, tls.key, ca.crt    for 'portico serve --xds-tls-cert/key/ca'
  portico-envoy-client  tls.crt, tls.key, ca.crt    mounted by the Envoys (in --envoy-namespace)

Local (--local DIR): ca.crt, ca.key, server.crt, server.key, client.crt, client.key (keys mode 0600),
and per identity asked for a folder with tls.crt, tls.key and ca.crt:
  identities/ns/NS/gateway/NAME/   --gateway NS/NAME: may serve that gateway only
  identities/ns/NS/gateways/       --gateway-namespace NS: may serve every gateway of NS
An Envoy presenting one may claim (node.cluster) only what it names; client.crt names nothing and is
accepted only by 'portico serve --xds-allow-shared-client-certificate'. In Kubernetes, Portico issues
each Gateway's certificate itself (its Envoy Deployment mounts it).

Options:
      --namespace NS           Portico's namespace: where the Secrets go, and the Service names below
      --kubernetes             Write Secrets (the default unless --local is given)
      --envoy-namespace NS     Where the client Secret goes (default: --namespace)
      --local DIR              Write PEM files into DIR instead
      --service NAME           Portico's xDS Service (default ${DEFAULT_CERTGEN_SERVICE}). The server certificate
                               names NAME, NAME.NS, NAME.NS.svc and NAME.NS.svc.DOMAIN (only NAME
                               without --namespace; locally also ${LOCAL_EXTRA_NAMES.join(' and ')})
      --cluster-domain DOMAIN  The cluster's DNS domain (default ${DEFAULT_CLUSTER_DOMAIN})
      --dns-name NAME          A further DNS name or IP address for the server certificate (repeatable)
      --gateway NS/NAME        With --local: a client certificate for that gateway (repeatable;
                               the IngressClass stand-in is ingressclass/CLASS)
      --gateway-namespace NS   With --local: a client certificate for every gateway of NS (repeatable)
      --overwrite              Reissue everything, a new CA included; restart the Envoys afterwards
      --log-level LEVEL        ${LOG_LEVELS.join(', ')} (default info); logs go to standard error
  -h, --help                   Show this help

Examples:
  portico certgen --namespace portico-system
  portico certgen --local ./certs && portico serve --xds-tls-cert certs/server.crt \\
      --xds-tls-key certs/server.key --xds-tls-ca certs/ca.crt
  portico certgen --local ./certs --gateway default/demo     # certs/identities/ns/default/gateway/demo/
`;

const OPTIONS = {
  namespace: { type: 'string' },
  kubernetes: { type: 'boolean', default: false },
  'envoy-namespace': { type: 'string' },
  local: { type: 'string' },
  service: { type: 'string', default: DEFAULT_CERTGEN_SERVICE },
  'cluster-domain': { type: 'string', default: DEFAULT_CLUSTER_DOMAIN },
  'dns-name': { type: 'string', multiple: true },
  overwrite: { type: 'boolean', default: false },
  gateway: { type: 'string', multiple: true },
  'gateway-namespace': { type: 'string', multiple: true },
  'log-level': { type: 'string', default: 'info' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** RFC 1123 label: a Kubernetes namespace or Service name. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(\*\.)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

/** Parses `portico certgen` arguments; `undefined` means `--help` was asked for. */
export function parseCertgenArgs(args: string[]): CertgenArgs | undefined {
  const { values, positionals } = withArgErrors('certgen', () => parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true }));
  if (values.help) return undefined;
  rejectPositionals('certgen', positionals);

  const logLevel = values['log-level'];
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new CliError(`invalid --log-level '${logLevel}': expected one of ${LOG_LEVELS.join(', ')}`);
  const namespace = values.namespace;
  if (namespace !== undefined) checkLabel('--namespace', namespace);
  checkLabel('--service', values.service);
  if (!DNS_NAME.test(values['cluster-domain'])) throw new CliError(`invalid --cluster-domain '${values['cluster-domain']}': expected a DNS name`);
  const extraNames = values['dns-name'] ?? [];
  for (const name of extraNames) {
    if (isIP(name) === 0 && !(name.length <= 253 && DNS_NAME.test(name))) throw new CliError(`invalid --dns-name '${name}': expected a lower-case DNS name or an IP address`);
  }
  const identities = certgenIdentities(values.gateway ?? [], values['gateway-namespace'] ?? []);
  if (identities.length > 0 && values.local === undefined) {
    throw new CliError('--gateway and --gateway-namespace need --local DIR: in Kubernetes, Portico issues each Gateway its certificate');
  }
  const result = {
    identities,
    service: values.service,
    clusterDomain: values['cluster-domain'],
    extraNames,
    overwrite: values.overwrite,
    logLevel: logLevel as LogLevel,
    ...(namespace === undefined ? {} : { namespace }),
  };
  return { ...result, target: target(values.local, values.kubernetes, namespace, values['envoy-namespace']) };
}

function target(local: string | undefined, kubernetes: boolean, namespace: string | undefined, envoyNamespace: string | undefined): CertgenTarget {
  if (local !== undefined) {
    if (kubernetes) throw new CliError('give --local DIR or --kubernetes, not both');
    if (envoyNamespace !== undefined) throw new CliError('--envoy-namespace is for Secrets; --local writes files');
    if (local === '') throw new CliError('--local needs a folder, not an empty string');
    return { kind: 'local', directory: local };
  }
  if (namespace === undefined) throw new CliError('missing --namespace NS: the namespace of Portico and its Secrets (or --local DIR for files)');
  if (envoyNamespace !== undefined) checkLabel('--envoy-namespace', envoyNamespace);
  return { kind: 'kubernetes', namespace, envoyNamespace: envoyNamespace ?? namespace };
}

/** Object names (RFC 1123 subdomain), as a Gateway's and an IngressClass's are. */
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function certgenIdentities(gateways: string[], namespaces: string[]): CertgenIdentity[] {
  const identities: CertgenIdentity[] = [];
  for (const gateway of gateways) {
    const [namespace = '', name = '', ...rest] = gateway.split('/');
    if (rest.length > 0 || !DNS_LABEL.test(namespace) || !OBJECT_NAME.test(name)) throw new CliError(`invalid --gateway '${gateway}': expected NAMESPACE/NAME`);
    identities.push({ kind: 'gateway', namespace, name });
  }
  for (const namespace of namespaces) {
    checkLabel('--gateway-namespace', namespace);
    identities.push({ kind: 'namespace', namespace });
  }
  return identities;
}

function checkLabel(option: string, value: string): void {
  if (!DNS_LABEL.test(value)) throw new CliError(`invalid ${option} '${value}': expected a DNS label (lower-case letters, digits and '-', at most 63)`);
}
