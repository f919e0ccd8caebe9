/**
 * XTelemetryPolicy (gateway.networking.x-k8s.io/v1alpha1, Gateway API v1.7.0 experimental): a Direct
 * Attached Policy (GEP-713) that configures a Gateway's telemetry — today distributed tracing to an
 * OTLP collector. One policy per Gateway: the oldest wins, the others are Conflicted.
 */
import type { HTTPHeader, PolicyAncestorStatus } from './gateway-api.js';
import type { KubeObject } from './meta.js';
import type { LocalPolicyTargetReference } from './backend-traffic-policy.js';

/** `Enabled`, `Disabled`, or `ImplementationDefault` (the CRD's default). */
export type TelemetryMode = 'Enabled' | 'Disabled' | 'ImplementationDefault';

/** numerator/denominator; the CRD defaults the denominator to 100. */
export interface TelemetryFraction {
  numerator: number;
  denominator?: number;
}

/** One span attribute: from a request header, a literal, or a standard OpenTelemetry attribute. */
export interface TelemetryAttribute {
  name: string;
  sourceType: 'Header' | 'Literal' | 'Attribute';
  headerName?: string;
  literalValue?: string;
  attributeKey?: string;
}

/** The OTLP collector: a Service (port required) or an XBackend, plus headers for the export requests. */
export interface TelemetryProvider {
  backendRef: { group?: string; kind?: string; name: string; namespace?: string; port?: number };
  headers?: HTTPHeader[];
}

export interface TelemetryTracing {
  mode?: TelemetryMode;
  provider?: TelemetryProvider;
  samplingRate?: TelemetryFraction;
  parentBasedSampling?: { mode?: TelemetryMode; samplingRate?: TelemetryFraction };
  serviceName?: string;
  spanName?: string;
  attributes?: TelemetryAttribute[];
}

export interface XTelemetryPolicy extends KubeObject {
  kind: 'XTelemetryPolicy';
  spec: {
    targetRefs: LocalPolicyTargetReference[];
    tracing?: TelemetryTracing;
  };
  status?: { ancestors: PolicyAncestorStatus[] };
}
