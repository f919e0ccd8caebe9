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
  /** Secret (in the Envoys' namespace) with `tls.crt`, `tls.key`, `ca.crt`: mTLS to the xDS server. */
  tlsSecretName?: string;
  /** Envoy's `--drain-time-s` on shutdown; default 60. */
  drainSeconds?: number;
  /** Envoy's `--log-level`; default `info`. */
  logLevel?: string;
  /** Envoy's admin port on loopback; default 19001. */
  adminPort?: number;
  /** The readiness (and `/stats/prometheus`) listener's port; default 19003. */
  readinessPort?: number;
}

export type ResolvedInfrastructureOptions = Required<Omit<EnvoyInfrastructureOptions, 'namespace' | 'tlsSecretName'>> &
  Pick<EnvoyInfrastructureOptions, 'namespace' | 'tlsSecretName'>;

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
    drainSeconds: options.drainSeconds ?? DEFAULT_DRAIN_SECONDS,
    logLevel: options.logLevel ?? 'info',
    adminPort: options.adminPort ?? DEFAULT_ENVOY_ADMIN_PORT,
    readinessPort: options.readinessPort ?? DEFAULT_READINESS_PORT,
  };
}
