/**
 * The defaults the Gateway API CRDs (v1.7.0, `default:` in the status schemas) apply to a status when
 * it is written. We apply them to our desired status before comparing and writing, so what we send is
 * what the API server stores, and the next comparison sees no difference.
 */
import { GATEWAY_GROUP } from '@portico/resources';
import type { DesiredStatus } from '../types.js';
import { asArray, isRecord, type JsonRecord } from './status-json.js';

/** `parentRef` / `ancestorRef`: group defaults to the Gateway API group, kind to Gateway. */
export function withParentRefDefaults(ref: unknown): JsonRecord {
  const record = isRecord(ref) ? ref : {};
  return { ...record, group: record['group'] ?? GATEWAY_GROUP, kind: record['kind'] ?? 'Gateway' };
}

function withRefDefaults(entries: unknown, refField: 'parentRef' | 'ancestorRef'): unknown[] {
  return asArray(entries).map((entry) =>
    isRecord(entry) ? { ...entry, [refField]: withParentRefDefaults(entry[refField]) } : entry,
  );
}

/**
 * Gateway: `addresses[].type` defaults to IPAddress, `listeners[].supportedKinds[].group` to the
 * Gateway API group (ListenerSet: the same listeners' default).
 */
function gatewayDefaults(status: JsonRecord): JsonRecord {
  const result: JsonRecord = { ...status };
  if (Array.isArray(status['addresses'])) {
    result['addresses'] = status['addresses'].map((address) =>
      isRecord(address) ? { ...address, type: address['type'] ?? 'IPAddress' } : address,
    );
  }
  if (Array.isArray(status['listeners'])) {
    result['listeners'] = status['listeners'].map((listener) =>
      isRecord(listener) && Array.isArray(listener['supportedKinds'])
        ? {
            ...listener,
            supportedKinds: listener['supportedKinds'].map((rgk) =>
              isRecord(rgk) ? { ...rgk, group: rgk['group'] ?? GATEWAY_GROUP } : rgk,
            ),
          }
        : listener,
    );
  }
  return result;
}

/** The desired status with the CRD defaults filled in (a copy; the input is not changed). */
export function withStatusDefaults(kind: DesiredStatus['kind'], status: JsonRecord): JsonRecord {
  switch (kind) {
    case 'HTTPRoute':
    case 'GRPCRoute':
    case 'TLSRoute':
    case 'TCPRoute':
    case 'UDPRoute':
      return { ...status, parents: withRefDefaults(status['parents'], 'parentRef') };
    case 'BackendTLSPolicy':
    case 'XBackendTrafficPolicy':
    case 'SecurityPolicy':
    case 'BackendPolicy':
    case 'XTelemetryPolicy':
    case 'AccessLogPolicy':
    case 'RateLimitPolicy':
      return { ...status, ancestors: withRefDefaults(status['ancestors'], 'ancestorRef') };
    case 'Gateway':
    case 'ListenerSet':
      return gatewayDefaults(status);
    case 'GatewayClass':
    case 'Ingress':
      return { ...status };
  }
}
