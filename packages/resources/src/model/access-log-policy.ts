/**
 * AccessLogPolicy (gateway.portico.dev/v1alpha1, charts/portico/crds/gateway.portico.dev_accesslogpolicies.yaml):
 * the access logs of a Gateway's HTTP and HTTPS listeners — line format, sinks, and a status filter.
 */
import type { PolicyAncestorStatus } from './gateway-api.js';
import type { KubeObject } from './meta.js';

/** A Gateway, or one of its listeners (`sectionName`), in the policy's namespace. */
export interface AccessLogTargetReference {
  group: string;
  kind: string;
  name: string;
  sectionName?: string;
}

export interface AccessLogFormat {
  /** The CRD defaults it to JSON. */
  type?: 'JSON' | 'Text';
  text?: string;
  /** JSON key → Envoy command operator (or text with operators). */
  json?: { name: string; value: string }[];
}

export interface AccessLogSink {
  type: 'Stdout' | 'File' | 'OpenTelemetry';
  file?: { path: string };
  openTelemetry?: {
    backendRef: { group?: string; kind?: string; name: string; namespace?: string; port?: number };
    logName?: string;
  };
}

export interface AccessLogPolicy extends KubeObject {
  kind: 'AccessLogPolicy';
  spec: {
    targetRefs: AccessLogTargetReference[];
    format?: AccessLogFormat;
    sinks: AccessLogSink[];
    filter?: { minStatusCode?: number };
  };
  status?: { ancestors: PolicyAncestorStatus[] };
}
