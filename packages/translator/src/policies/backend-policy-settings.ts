/**
 * A BackendPolicy's spec → the settings of the backends it targets (BackendPolicyIR) and the hash key
 * of the routes that send to them, with every CRD default filled in. The CRD's schema and CEL rules
 * reject most mistakes before they get here, but objects are re-checked: a policy the API server did
 * not validate (the file provider without its loader, an older CRD) must become Invalid, never a
 * cluster Envoy rejects.
 */
import type { BackendPolicyIR, BackendTimeoutsIR, HashPolicyIR, HealthCheckIR, LoadBalancerIR, OutlierDetectionIR } from '@portico/ir';
import type { BackendHealthCheck, BackendLoadBalancer, BackendOutlierDetection, BackendPolicy, BackendTimeouts } from '@portico/resources';
import { parseDuration } from '../routes/durations.js';

/** The CRD's defaults, for objects no loader defaulted. */
export const BACKEND_POLICY_DEFAULTS = {
  healthCheck: { intervalMs: 3000, timeoutMs: 1000, unhealthyThreshold: 3, healthyThreshold: 1, method: 'GET', expectedStatuses: [200] },
  outlierDetection: { consecutive5xxErrors: 5, intervalMs: 10_000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 10 },
  loadBalancer: 'LeastRequest',
} as const;

const LB_TYPES = new Set(['LeastRequest', 'RoundRobin', 'Random', 'RingHash', 'Maglev']);
const HASHED = new Set(['RingHash', 'Maglev']);
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);
const INT32_MAX = 2_147_483_647;

export interface BackendPolicySettings {
  /** Without `policy` (the caller names it). */
  settings: Omit<BackendPolicyIR, 'policy'>;
  hashPolicy?: HashPolicyIR;
  /** What the policy asks that cannot be applied; non-empty: the policy is Invalid. */
  problems: string[];
}

export function backendPolicySettings(spec: BackendPolicy['spec'], service: { namespace: string; name: string }): BackendPolicySettings {
  const problems: string[] = [];
  const ms = (field: string, text: string | undefined, fallback: number, min = 1): number => {
    if (text === undefined) return fallback;
    const value = parseDuration(String(text));
    if (value === undefined) problems.push(`${field} ${JSON.stringify(text)} is not a valid duration`);
    else if (value < min) problems.push(`${field} ${JSON.stringify(text)} must be at least ${min}ms`);
    return value ?? fallback;
  };
  const int = (field: string, value: number | undefined, min: number, max = INT32_MAX): number | undefined => {
    if (value === undefined) return undefined;
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${field} ${value} must be an integer from ${min} to ${max}`);
    return value;
  };
  const settings: BackendPolicySettings['settings'] = {};
  if (spec.healthCheck) settings.healthCheck = healthCheck(spec.healthCheck, service, problems, ms, int);
  if (spec.outlierDetection) settings.outlierDetection = outlierDetection(spec.outlierDetection, problems, ms, int);
  if (spec.circuitBreaker) {
    const cb = spec.circuitBreaker;
    settings.circuitBreaker = dropUndefined({
      maxConnections: int('circuitBreaker.maxConnections', cb.maxConnections, 1),
      maxPendingRequests: int('circuitBreaker.maxPendingRequests', cb.maxPendingRequests, 1),
      maxRequests: int('circuitBreaker.maxRequests', cb.maxRequests, 1),
      maxRetries: int('circuitBreaker.maxRetries', cb.maxRetries, 0),
    });
  }
  let hashPolicy: HashPolicyIR | undefined;
  if (spec.loadBalancer) {
    const lb = loadBalancer(spec.loadBalancer, problems, ms);
    settings.loadBalancer = lb.settings;
    hashPolicy = lb.hashPolicy;
  }
  if (spec.connectTimeout !== undefined) settings.connectTimeoutMs = ms('connectTimeout', spec.connectTimeout, 5000);
  if (spec.tcpKeepalive) {
    const k = spec.tcpKeepalive;
    const seconds = (field: string, text: string | undefined): number | undefined => {
      if (text === undefined) return undefined;
      const value = ms(field, text, 1000, 1000);
      if (value % 1000 !== 0) problems.push(`${field} ${JSON.stringify(text)} must be whole seconds`);
      return Math.floor(value / 1000);
    };
    settings.tcpKeepalive = dropUndefined({
      probes: int('tcpKeepalive.probes', k.probes, 1, 1000),
      idleTimeSeconds: seconds('tcpKeepalive.idleTime', k.idleTime),
      intervalSeconds: seconds('tcpKeepalive.interval', k.interval),
    });
  }
  if (spec.http2) {
    const h = spec.http2;
    settings.http2 = dropUndefined({
      maxConcurrentStreams: int('http2.maxConcurrentStreams', h.maxConcurrentStreams, 1),
      initialStreamWindowSize: int('http2.initialStreamWindowSize', h.initialStreamWindowSize, 65535),
      initialConnectionWindowSize: int('http2.initialConnectionWindowSize', h.initialConnectionWindowSize, 65535),
    });
  }
  if (spec.timeouts) settings.timeouts = timeouts(spec.timeouts, problems, ms);
  return { settings, ...(hashPolicy ? { hashPolicy } : {}), problems };
}

type Ms = (field: string, text: string | undefined, fallback: number, min?: number) => number;
type Int = (field: string, value: number | undefined, min: number, max?: number) => number | undefined;

function healthCheck(hc: BackendHealthCheck, service: { namespace: string; name: string }, problems: string[], ms: Ms, int: Int): HealthCheckIR {
  const d = BACKEND_POLICY_DEFAULTS.healthCheck;
  const ir: HealthCheckIR = {
    type: hc.type,
    intervalMs: ms('healthCheck.interval', hc.interval, d.intervalMs, 10),
    timeoutMs: ms('healthCheck.timeout', hc.timeout, d.timeoutMs),
    unhealthyThreshold: int('healthCheck.unhealthyThreshold', hc.unhealthyThreshold, 1, 1000) ?? d.unhealthyThreshold,
    healthyThreshold: int('healthCheck.healthyThreshold', hc.healthyThreshold, 1, 1000) ?? d.healthyThreshold,
  };
  if (ir.timeoutMs > ir.intervalMs) problems.push('healthCheck.timeout must not be longer than healthCheck.interval');
  if (hc.type === 'HTTP') {
    if (!hc.http?.path?.startsWith('/')) problems.push('healthCheck.http.path (starting with /) is required when healthCheck.type is HTTP');
    const method = hc.http?.method ?? d.method;
    if (!METHODS.has(method)) problems.push(`healthCheck.http.method ${JSON.stringify(method)} is not one of ${[...METHODS].join(', ')}`);
    const statuses = hc.http?.expectedStatuses?.length ? hc.http.expectedStatuses : [...d.expectedStatuses];
    for (const s of statuses) if (!Number.isInteger(s) || s < 100 || s > 599) problems.push(`healthCheck.http.expectedStatuses ${s} is not an HTTP status (100-599)`);
    ir.http = {
      path: hc.http?.path ?? '/',
      hostname: hc.http?.hostname ?? `${service.name}.${service.namespace}.svc.cluster.local`,
      method,
      expectedStatuses: [...new Set(statuses)].sort((a, b) => a - b),
    };
  } else if (hc.type === 'TCP') {
    if (hc.http) problems.push('healthCheck.http is only for healthCheck.type HTTP');
  } else {
    problems.push(`healthCheck.type ${JSON.stringify(hc.type)} is not HTTP or TCP`);
  }
  return ir;
}

function outlierDetection(od: BackendOutlierDetection, problems: string[], ms: Ms, int: Int): OutlierDetectionIR {
  const d = BACKEND_POLICY_DEFAULTS.outlierDetection;
  const consecutive5xxErrors = int('outlierDetection.consecutive5xxErrors', od.consecutive5xxErrors, 0, 1000) ?? d.consecutive5xxErrors;
  const consecutiveGatewayErrors = int('outlierDetection.consecutiveGatewayErrors', od.consecutiveGatewayErrors, 1, 1000);
  if (consecutive5xxErrors === 0 && consecutiveGatewayErrors === undefined) {
    problems.push('outlierDetection ejects nothing: consecutive5xxErrors is 0 and consecutiveGatewayErrors is unset');
  }
  return {
    consecutive5xxErrors,
    ...(consecutiveGatewayErrors === undefined ? {} : { consecutiveGatewayErrors }),
    intervalMs: ms('outlierDetection.interval', od.interval, d.intervalMs, 10),
    baseEjectionTimeMs: ms('outlierDetection.baseEjectionTime', od.baseEjectionTime, d.baseEjectionTimeMs),
    maxEjectionPercent: int('outlierDetection.maxEjectionPercent', od.maxEjectionPercent, 0, 100) ?? d.maxEjectionPercent,
  };
}

function loadBalancer(lb: BackendLoadBalancer, problems: string[], ms: Ms): { settings: LoadBalancerIR; hashPolicy?: HashPolicyIR } {
  const type = lb.type ?? BACKEND_POLICY_DEFAULTS.loadBalancer;
  if (!LB_TYPES.has(type)) problems.push(`loadBalancer.type ${JSON.stringify(type)} is not one of ${[...LB_TYPES].join(', ')}`);
  const settings: LoadBalancerIR = { type };
  if (lb.slowStart) {
    if (type !== 'RoundRobin' && type !== 'LeastRequest') problems.push('loadBalancer.slowStart applies to RoundRobin and LeastRequest only');
    settings.slowStartWindowMs = ms('loadBalancer.slowStart.window', lb.slowStart.window, 0, 1000);
  }
  if (HASHED.has(type) !== (lb.consistentHash !== undefined)) {
    problems.push('loadBalancer.consistentHash must be set when loadBalancer.type is RingHash or Maglev, and only then');
    return { settings };
  }
  const hash = lb.consistentHash;
  if (!hash) return { settings };
  switch (hash.type) {
    case 'Header':
      if (!hash.header?.name) problems.push('loadBalancer.consistentHash.header.name is required when the type is Header');
      return { settings, hashPolicy: { type: 'Header', header: (hash.header?.name ?? '').toLowerCase() } };
    case 'Cookie': {
      if (!hash.cookie?.name) problems.push('loadBalancer.consistentHash.cookie.name is required when the type is Cookie');
      const ttlMs = hash.cookie?.ttl === undefined ? undefined : ms('loadBalancer.consistentHash.cookie.ttl', hash.cookie.ttl, 0, 0);
      return {
        settings,
        hashPolicy: { type: 'Cookie', name: hash.cookie?.name ?? '', ...(ttlMs === undefined ? {} : { ttlMs }), ...(hash.cookie?.path ? { path: hash.cookie.path } : {}) },
      };
    }
    case 'SourceIP':
      return { settings, hashPolicy: { type: 'SourceIP' } };
    default:
      problems.push(`loadBalancer.consistentHash.type ${JSON.stringify((hash as { type: unknown }).type)} is not Header, Cookie or SourceIP`);
      return { settings };
  }
}

/** The CRD's upper bound of every timeout. */
const MAX_TIMEOUT_MS = 24 * 3600 * 1000;

function timeouts(t: BackendTimeouts, problems: string[], ms: Ms): BackendTimeoutsIR {
  const bounded = (field: keyof BackendTimeouts, min: number): number | undefined => {
    if (t[field] === undefined) return undefined;
    const value = ms(`timeouts.${field}`, t[field], 0, min);
    if (value > MAX_TIMEOUT_MS) problems.push(`timeouts.${field} ${JSON.stringify(t[field])} must be at most 24h`);
    return value;
  };
  return dropUndefined({
    connectionIdleMs: bounded('connectionIdle', 1),
    maxConnectionDurationMs: bounded('maxConnectionDuration', 1),
    maxStreamDurationMs: bounded('maxStreamDuration', 1),
    // 0s turns these two off, as in HTTPRouteTimeouts.
    streamIdleMs: bounded('streamIdle', 0),
    requestMs: bounded('request', 0),
  });
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
