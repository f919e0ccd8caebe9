/**
 * BackendPolicy (gateway.portico.dev/v1alpha1, Portico's own): how the gateway's Envoys talk to the
 * Services it targets — active health checks, outlier detection, circuit breakers, load balancing,
 * connect timeout, TCP keepalive, HTTP/2 settings. The CRD (charts/portico/crds/
 * gateway.portico.dev_backendpolicies.yaml) is the source of truth for fields, defaults and bounds;
 * durations are Gateway API Duration strings (`1h2m3s4ms`).
 */
import type { LocalPolicyTargetReferenceWithSectionName, PolicyAncestorStatus } from './gateway-api.js';
import type { KubeObject } from './meta.js';

export interface BackendHealthCheck {
  type: 'HTTP' | 'TCP';
  /** Default 3s. */
  interval?: string;
  /** Default 1s. */
  timeout?: string;
  /** Default 3. */
  unhealthyThreshold?: number;
  /** Default 1. */
  healthyThreshold?: number;
  http?: {
    path: string;
    /** Default `<service>.<namespace>.svc.cluster.local`. */
    hostname?: string;
    /** Default GET. */
    method?: string;
    /** Default [200]. */
    expectedStatuses?: number[];
  };
}

export interface BackendOutlierDetection {
  /** Default 5; 0 turns it off. */
  consecutive5xxErrors?: number;
  /** Unset: off. */
  consecutiveGatewayErrors?: number;
  /** Default 10s. */
  interval?: string;
  /** Default 30s. */
  baseEjectionTime?: string;
  /** Default 10. */
  maxEjectionPercent?: number;
}

export interface BackendCircuitBreaker {
  maxConnections?: number;
  maxPendingRequests?: number;
  maxRequests?: number;
  maxRetries?: number;
}

export type BackendLoadBalancerType = 'LeastRequest' | 'RoundRobin' | 'Random' | 'RingHash' | 'Maglev';

export interface BackendConsistentHash {
  type: 'Header' | 'Cookie' | 'SourceIP';
  header?: { name: string };
  cookie?: { name: string; ttl?: string; path?: string };
}

export interface BackendLoadBalancer {
  /** Default LeastRequest. */
  type?: BackendLoadBalancerType;
  consistentHash?: BackendConsistentHash;
  slowStart?: { window: string };
}

/**
 * HTTP timeouts (modelled on Envoy Gateway's BackendTrafficPolicy `timeout.http`). The first three
 * apply to the gateway's connections to the Service; `streamIdle` and `request` are defaults for the
 * routes that send to it, which a route's own timeouts replace.
 */
export interface BackendTimeouts {
  /** No request on a connection for this long closes it; unset, Envoy's 1h. */
  connectionIdle?: string;
  /** A connection lives at most this long; unset, no limit. */
  maxConnectionDuration?: string;
  /** One request to an endpoint lasts at most this long (504); unset, no limit. */
  maxStreamDuration?: string;
  /** No byte either way for this long ends the request; `0s` turns it off. */
  streamIdle?: string;
  /** Total time of a request on routes without a timeout of their own; `0s` turns it off. */
  request?: string;
}

export interface BackendPolicy extends KubeObject {
  kind: 'BackendPolicy';
  spec: {
    /** Services of the policy's namespace; `sectionName` names one port. */
    targetRefs: LocalPolicyTargetReferenceWithSectionName[];
    healthCheck?: BackendHealthCheck;
    outlierDetection?: BackendOutlierDetection;
    circuitBreaker?: BackendCircuitBreaker;
    loadBalancer?: BackendLoadBalancer;
    connectTimeout?: string;
    tcpKeepalive?: { probes?: number; idleTime?: string; interval?: string };
    http2?: { maxConcurrentStreams?: number; initialStreamWindowSize?: number; initialConnectionWindowSize?: number };
    timeouts?: BackendTimeouts;
  };
  status?: { ancestors: PolicyAncestorStatus[] };
}
