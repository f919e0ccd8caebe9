/**
 * The `--kubernetes` options of `portico serve`: where the cluster is, who this replica is (leader
 * election), and how each Gateway's Envoy workloads are made. Defaults suit the Helm chart: the pod's
 * namespace and name come from the downward API (POD_NAMESPACE, POD_NAME).
 */
import { hostname } from 'node:os';
import { CliError } from '../../args.js';

/** @portico/server's CA_KEY_SECRET, repeated so that parsing arguments does not load the server. */
export const CA_KEY_SECRET_NAME = 'portico-xds-ca-key';

export const ENVOY_SERVICE_TYPES = ['LoadBalancer', 'ClusterIP', 'NodePort'] as const;
export type EnvoyServiceTypeArg = (typeof ENVOY_SERVICE_TYPES)[number];

export interface KubernetesServeArgs {
  /** Absent: KUBECONFIG, the in-cluster service account, then ~/.kube/config (client-node's order). */
  kubeconfig?: string;
  /** Where the leader-election Lease lives: Portico's own namespace. */
  namespace: string;
  identity: string;
  /** Watch Secrets in these namespaces only (credentials that may read Secrets only there); absent: all. */
  secretNamespaces?: string[];
  /** Status writes per second and burst (the leader's token bucket). */
  statusQps?: number;
  statusBurst?: number;
  /** Envoy Deployment/Service per Gateway; false with `--envoy-infrastructure none`. */
  manageEnvoys: boolean;
  envoy: {
    /** Absent: each Gateway's own namespace. */
    namespace?: string;
    image?: string;
    serviceType: EnvoyServiceTypeArg;
    replicas: number;
    /** What Envoy pods dial for xDS. */
    xdsAddress: string;
    /** One shared Envoy client-certificate Secret (`--envoy-tls-secret`): the behaviour of earlier versions. */
    tlsSecretName?: string;
    /** With mTLS and no shared Secret: each Gateway's own certificate, issued from certgen's CA. */
    clientCertificates?: { caSecret: { namespace: string; name: string } };
    /** How long a Gateway's static address may be missing from its Envoy Service before it is unusable. */
    addressWaitSeconds?: number;
  };
}

export const KUBERNETES_OPTIONS = {
  kubeconfig: { type: 'string' },
  namespace: { type: 'string' },
  'pod-name': { type: 'string' },
  'secret-namespaces': { type: 'string' },
  'status-qps': { type: 'string' },
  'status-burst': { type: 'string' },
  'envoy-infrastructure': { type: 'string' },
  'envoy-namespace': { type: 'string' },
  'envoy-image': { type: 'string' },
  'envoy-service-type': { type: 'string' },
  'envoy-replicas': { type: 'string' },
  'envoy-xds-address': { type: 'string' },
  'envoy-tls-secret': { type: 'string' },
  'envoy-address-wait': { type: 'string' },
} as const;

export const KUBERNETES_HELP = `Kubernetes (--kubernetes):
      --kubeconfig FILE         Cluster credentials (default: KUBECONFIG, the in-cluster service
                                account, then ~/.kube/config)
      --namespace NS            Portico's namespace, where the leader Lease lives
                                (default: POD_NAMESPACE, else portico-system)
      --pod-name NAME           This replica's identity in the Lease (default: POD_NAME, else hostname).
                                Every replica serves xDS; only the leader writes statuses and manages Envoys
      --status-qps N            Status writes per second to the API server (default 200)
      --status-burst N          Writes allowed at once above that rate (default 500)
      --secret-namespaces NS[,NS…]
                                Watch Secrets in these namespaces only, for credentials that may read
                                Secrets only there (default: every namespace). A TLS reference to a
                                Secret elsewhere is then reported as not found
      --envoy-infrastructure managed|none
                                managed (default): one Envoy Deployment + Service per Gateway;
                                none: Envoys are deployed some other way
      --envoy-namespace NS      Where Envoy workloads go (default: each Gateway's namespace)
      --envoy-image IMAGE       (default envoyproxy/envoy:v1.40.0)
      --envoy-service-type T    ${ENVOY_SERVICE_TYPES.join(', ')} (default LoadBalancer)
      --envoy-replicas N        Envoy pods per Gateway (default 1)
      --envoy-xds-address H:P   What Envoy pods dial for xDS (default portico.<namespace>.svc:<xDS port>)
      --envoy-tls-secret NAME   One client-certificate Secret shared by every Envoy (earlier versions'
                                way; the xDS server then needs --xds-allow-shared-client-certificate).
                                Default with --xds-tls-*: each Gateway gets its own certificate, issued
                                from the CA in Secret ${CA_KEY_SECRET_NAME} of --namespace, kept in a Secret
                                beside its Deployment and renewed 30 days before it expires
      --envoy-address-wait S    Seconds an Envoy Service may lack an address its Gateway asks for
                                (spec.addresses) before the Gateway reports it AddressNotUsable
                                (default 20; raise it for load balancers slower to provision)
`;

type Values = { [K in keyof typeof KUBERNETES_OPTIONS]?: string };

export function kubernetesServeArgs(values: Values, xdsAddress: string, xdsTls: boolean, env: NodeJS.ProcessEnv = process.env): KubernetesServeArgs {
  const namespace = values.namespace ?? env.POD_NAMESPACE ?? 'portico-system';
  const identity = values['pod-name'] ?? env.POD_NAME ?? hostname();
  const infrastructure = values['envoy-infrastructure'] ?? 'managed';
  if (infrastructure !== 'managed' && infrastructure !== 'none') throw new CliError(`invalid --envoy-infrastructure '${infrastructure}': expected managed or none`);
  const serviceType = values['envoy-service-type'] ?? 'LoadBalancer';
  if (!(ENVOY_SERVICE_TYPES as readonly string[]).includes(serviceType)) throw new CliError(`invalid --envoy-service-type '${serviceType}': expected one of ${ENVOY_SERVICE_TYPES.join(', ')}`);
  const replicas = Number(values['envoy-replicas'] ?? '1');
  if (!Number.isInteger(replicas) || replicas < 0) throw new CliError(`invalid --envoy-replicas '${values['envoy-replicas']}': expected a whole number`);
  for (const [option, value] of [['--namespace', namespace], ['--pod-name', identity]] as const) if (value === '') throw new CliError(`${option} must not be empty`);
  const statusQps = positiveNumber('--status-qps', values['status-qps']);
  const statusBurst = positiveNumber('--status-burst', values['status-burst']);
  const addressWaitSeconds = positiveNumber('--envoy-address-wait', values['envoy-address-wait']);
  const secretNamespaces = values['secret-namespaces'] === undefined ? undefined : namespaceList('--secret-namespaces', values['secret-namespaces']);
  const xdsPort = xdsAddress.slice(xdsAddress.lastIndexOf(':') + 1);
  const tlsSecretName = values['envoy-tls-secret'];
  if (tlsSecretName === '') throw new CliError('--envoy-tls-secret must not be empty');
  const clientCertificates = xdsTls && tlsSecretName === undefined ? { caSecret: { namespace, name: CA_KEY_SECRET_NAME } } : undefined;
  return {
    ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
    namespace,
    identity,
    ...(secretNamespaces ? { secretNamespaces } : {}),
    ...(statusQps ? { statusQps } : {}),
    ...(statusBurst ? { statusBurst } : {}),
    manageEnvoys: infrastructure === 'managed',
    envoy: {
      ...(values['envoy-namespace'] ? { namespace: values['envoy-namespace'] } : {}),
      ...(values['envoy-image'] ? { image: values['envoy-image'] } : {}),
      serviceType: serviceType as EnvoyServiceTypeArg,
      replicas,
      xdsAddress: values['envoy-xds-address'] ?? `portico.${namespace}.svc:${xdsPort}`,
      ...(tlsSecretName ? { tlsSecretName } : {}),
      ...(clientCertificates ? { clientCertificates } : {}),
      ...(addressWaitSeconds ? { addressWaitSeconds } : {}),
    },
  };
}

/** A namespace name is an RFC 1123 label (Kubernetes' IsDNS1123Label): what the API server would accept. */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `a,b`: every name a namespace name, in the order given, each once. */
function namespaceList(option: string, value: string): string[] {
  const names = value.split(',').map((name) => name.trim());
  for (const name of names) {
    if (name === '') throw new CliError(`invalid ${option} '${value}': empty namespace name`);
    if (name.length > 63 || !DNS1123_LABEL.test(name)) {
      throw new CliError(`invalid ${option} '${value}': '${name}' is not a namespace name (lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit)`);
    }
  }
  return [...new Set(names)];
}

function positiveNumber(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`invalid ${option} '${value}': expected a positive number`);
  return n;
}
