import { checkObservabilityPolicies } from './observability-policies.js';
import { GATEWAY, inputOf } from '../test-objects.test-util.js';

const telemetry = (name: string, gateway: string, created: string, extra = '') => `---
apiVersion: gateway.networking.x-k8s.io/v1alpha1
kind: XTelemetryPolicy
metadata: { name: ${name}, namespace: default, creationTimestamp: "${created}" }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: Gateway, name: ${gateway} }]
  tracing: { mode: Disabled${extra} }
`;

const accessLog = (name: string, section: string) => `---
apiVersion: gateway.portico.dev/v1alpha1
kind: AccessLogPolicy
metadata: { name: ${name}, namespace: default }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: Gateway, name: eg, sectionName: ${section} }]
  sinks: [{ type: Stdout }]
`;

const summary = (yaml: string) => checkObservabilityPolicies(inputOf(yaml)).map((f) => `${f.link} ${f.gateway ?? '-'} ${f.level} ${f.code} ${f.object.name}`);

describe('checkObservabilityPolicies', () => {
  it('OK for the older XTelemetryPolicy of a Gateway, WARN Conflicted for the newer', () => {
    const yaml = GATEWAY + telemetry('older', 'eg', '2025-01-01T00:00:00Z') + telemetry('newer', 'eg', '2025-06-01T00:00:00Z');
    expect(summary(yaml).sort()).toEqual(['TelemetryPolicy default/eg OK PolicyValid older', 'TelemetryPolicy default/eg WARN PolicyConflicted newer']);
  });

  it('warns once about a policy whose Gateway is not ours (no ancestor)', () => {
    expect(summary(GATEWAY + telemetry('elsewhere', 'ghost', '2025-01-01T00:00:00Z'))).toEqual(['TelemetryPolicy - WARN PolicyTargetUnused elsewhere']);
  });

  it('AccessLogPolicy: TargetNotFound for a listener the Gateway does not have, OK for one it has', () => {
    const yaml = GATEWAY + accessLog('ghost', 'nope') + accessLog('http', 'http');
    expect(summary(yaml).sort()).toEqual(['AccessLogPolicy default/eg OK PolicyValid http', 'AccessLogPolicy default/eg WARN PolicyTargetNotFound ghost']);
  });
});
