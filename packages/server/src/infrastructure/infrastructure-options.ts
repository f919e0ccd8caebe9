/**
 * What an operator chooses about the Envoy workloads Portico runs for each Gateway (image, Service
 * type, replicas, resources, where Portico's xDS server is), and the defaults when they do not.
 * Everything a Gateway itself says (listeners, `spec.infrastructure`) comes from the Gateway instead.
 */
import { DEFAULT_ENVOY_ADMIN_PORT } from '@portico/xds';

/** The Envoy release the repo pins (scripts/install-envoy.sh): tests validate bootstraps with it. */
export const DEFAULT_ENVOY_IMAGE = 'envoyproxy/envoy:v1.40.0';
/** Where kubelet probes Envoy's readiness: a static listener that forwards `/ready` to the admin API. */
export const DEFAULT_READINESS_PORT = 19003;
/** How long Envoy discourages requests and keeps accepting connections before a pod stops. */
export const DEFAULT_DRAIN_SECONDS = 60;
/** How long a requested static address may be missing from the Envoy Service before it is unusable. */
export const DEFAULT_ADDRESS_WAIT_SECONDS = 20;

export type EnvoyServiceType = 'LoadBalancer' | 'ClusterIP' | 'NodePort';

/** Kubernetes resource quantities (`cpu: 100m`, `memory: 256Mi`) for the Envoy container. */
export interface EnvoyResources {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

export interface EnvoyInfrastructureOptions {
  /** Portico's xDS Service, `host:port` (e.g. `portico.portico-system.svc:18000`). */
  xdsAddress: string;
  /** Where the objects live; default the Gateway's namespace (then they get owner references). */
  namespace?: string;
  /** Default `envoyproxy/envoy:v1.40.0`. The preStop drain needs `bash` and `sleep` in the image. */
  image?: string;
  /** Default `LoadBalancer`. */
  serviceType?: EnvoyServiceType;
  /**
   * For LoadBalancer and NodePort Services; default `Local`: the client's source IP reaches Envoy
   * (access logs, X-Forwarded-For, IP-based policies) and traffic takes no second hop between
   * nodes. The cost: nodes without an Envoy pod fail the load balancer's health check.
   */
  externalTrafficPolicy?: 'Local' | 'Cluster';
  /** Default 1. */
  replicas?: number;
  /** Default requests `cpu: 100m, memory: 128Mi`, no limits. A memory limit also sizes Envoy's heap ceiling. */
  resources?: EnvoyResources;
  /**
   * One shared Secret (in the Envoys' namespace) with `tls.crt`, `tls.key`, `ca.crt` for mTLS to the
   * xDS server: the behaviour of earlier versions, which the xDS server accepts only in compatibility
   * mode. Ignored when `clientCertificates` is set.
   */
  tlsSecretName?: string;
  /**
   * mTLS with one client certificate per Gateway: the manager issues each Gateway's certificate
   * (identity `spiffe://<trust domain>/ns/<ns>/gateway/<name>`) from certgen's CA, keeps it in a Secret
   * of the Gateway's own name (envoy-…, beside its Deployment) and mounts it in its Envoys.
   */
  clientCertificates?: EnvoyClientCertificateOptions;
  /** Envoy's `--drain-time-s` on shutdown; default 60. */
  drainSeconds?: number;
  /** Envoy's `--log-level`; default `info`. */
  logLevel?: string;
  /** Envoy's admin port on loopback; default 19001. */
  adminPort?: number;
  /** The readiness (and `/stats/prometheus`) listener's port; default 19003. */
  readinessPort?: number;
  /**
   * How long an Envoy Service may lack a static address it asked for (a Gateway's `spec.addresses`)
   * before the Gateway reports the address AddressNotUsable; default 20 s. Load balancers refuse an
   * address without telling the Service (MetalLB leaves it pending, with an Event), so time is what
   * tells "refused" from "on its way": long enough for MetalLB and kube-proxy, short enough that a
   * mistyped address shows soon. With a cloud load balancer that takes longer to provision, raise it:
   * until then the Gateway reports AddressNotUsable, then Programmed once the address arrives.
   */
  addressWaitSeconds?: number;
}

export interface EnvoyClientCertificateOptions {
  /** certgen's CA key Secret (`portico-xds-ca-key` in Portico's namespace): `tls.crt` and `tls.key` of the CA. */
  caSecret: { namespace: string; name: string };
  /** Default `portico`, as the xDS server's. */
  trustDomain?: string;
  /** Renew a certificate this many days before it expires; default 30, as certgen. */
  renewBeforeDays?: number;
}

export type ResolvedInfrastructureOptions = Required<Omit<EnvoyInfrastructureOptions, 'namespace' | 'tlsSecretName' | 'clientCertificates'>> &
  Pick<EnvoyInfrastructureOptions, 'namespace' | 'tlsSecretName' | 'clientCertificates'>;

const DEFAULT_RESOURCES: EnvoyResources = { requests: { cpu: '100m', memory: '128Mi' } };

export function resolveInfrastructureOptions(options: EnvoyInfrastructureOptions): ResolvedInfrastructureOptions {
  return {
    xdsAddress: options.xdsAddress,
    namespace: options.namespace,
    image: options.image ?? DEFAULT_ENVOY_IMAGE,
    serviceType: options.serviceType ?? 'LoadBalancer',
    externalTrafficPolicy: options.externalTrafficPolicy ?? 'Local',
    replicas: options.replicas ?? 1,
    resources: options.resources ?? DEFAULT_RESOURCES,
    tlsSecretName: options.tlsSecretName,
    clientCertificates: options.clientCertificates,
    drainSeconds: options.drainSeconds ?? DEFAULT_DRAIN_SECONDS,
    logLevel: options.logLevel ?? 'info',
    adminPort: options.adminPort ?? DEFAULT_ENVOY_ADMIN_PORT,
    readinessPort: options.readinessPort ?? DEFAULT_READINESS_PORT,
    addressWaitSeconds: options.addressWaitSeconds ?? DEFAULT_ADDRESS_WAIT_SECONDS,
  };
}
