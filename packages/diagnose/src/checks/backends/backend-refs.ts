/**
 * Every backend reference of a route or Ingress, with where it is written (the field a finding points
 * at) and the traffic it carries: HTTPRoute and GRPCRoute backendRefs and their RequestMirror targets,
 * TLS/TCP/UDP route backendRefs, and Ingress path and default backends (port by number or by name).
 */
import type { HTTPRequestMirrorFilter, Ingress, IngressBackend, KindMap, Route } from '@portico/resources';

/** What the route sends: decides the wire protocol, and what a client sees when nothing answers. */
export type Traffic = 'HTTP' | 'GRPC' | 'TCP' | 'UDP';

export interface BackendUse {
  /** The reference's path in the object, e.g. `spec.rules[0].backendRefs[1]`. */
  field: string;
  group: string;
  kind: string;
  namespace: string;
  name: string;
  /** Where the port is written (`….port`, `….port.number`, `….port.name`). */
  portField: string;
  /** The port by number (Gateway API, Ingress `port.number`). */
  port?: number;
  /** The port by name (Ingress `port.name`). */
  portName?: string;
  weight: number;
  /** Index of the rule, to judge a rule's weights together; absent for mirrors and Ingress backends. */
  rule?: number;
  mirror?: boolean;
  /** The only reference of its rule with a weight: its failure fails every request of the rule. */
  alone?: boolean;
  traffic: Traffic;
}

const TRAFFIC: Record<Route['kind'], Traffic> = { HTTPRoute: 'HTTP', GRPCRoute: 'GRPC', TLSRoute: 'TCP', TCPRoute: 'TCP', UDPRoute: 'UDP' };

export function routeBackendUses(route: Route): BackendUse[] {
  const namespace = route.metadata.namespace ?? 'default';
  const traffic = TRAFFIC[route.kind];
  const uses: BackendUse[] = [];
  (route.spec.rules ?? []).forEach((rule, r) => {
    const weighted = (rule.backendRefs ?? []).filter((ref) => (ref.weight ?? 1) > 0).length;
    (rule.backendRefs ?? []).forEach((ref, b) => {
      uses.push({
        field: `spec.rules[${r}].backendRefs[${b}]`,
        portField: `spec.rules[${r}].backendRefs[${b}].port`,
        group: ref.group ?? '',
        kind: ref.kind ?? 'Service',
        namespace: ref.namespace ?? namespace,
        name: ref.name,
        ...(ref.port === undefined ? {} : { port: ref.port }),
        weight: ref.weight ?? 1,
        rule: r,
        ...(weighted === 1 && (ref.weight ?? 1) > 0 ? { alone: true } : {}),
        traffic,
      });
    });
    // Only HTTPRoute and GRPCRoute rules have filters; L4 rules have none.
    const filters = (rule as { filters?: readonly { type: string; requestMirror?: HTTPRequestMirrorFilter }[] }).filters ?? [];
    filters.forEach((filter, f) => {
      const ref = filter.type === 'RequestMirror' ? filter.requestMirror?.backendRef : undefined;
      if (!ref) return;
      uses.push({
        field: `spec.rules[${r}].filters[${f}].requestMirror.backendRef`,
        portField: `spec.rules[${r}].filters[${f}].requestMirror.backendRef.port`,
        group: ref.group ?? '',
        kind: ref.kind ?? 'Service',
        namespace: ref.namespace ?? namespace,
        name: ref.name,
        ...(ref.port === undefined ? {} : { port: ref.port }),
        weight: 1,
        mirror: true,
        traffic,
      });
    });
  });
  return uses;
}

export function ingressBackendUses(ingress: Ingress): BackendUse[] {
  const namespace = ingress.metadata.namespace ?? 'default';
  const uses: BackendUse[] = [];
  const add = (field: string, backend: IngressBackend | undefined) => {
    const service = backend?.service;
    if (!service) return;
    uses.push({
      field: `${field}.service`,
      portField: `${field}.service.port${service.port?.name !== undefined && service.port.number === undefined ? '.name' : '.number'}`,
      group: '',
      kind: 'Service',
      namespace,
      name: service.name,
      ...(service.port?.number === undefined ? {} : { port: service.port.number }),
      ...(service.port?.name === undefined ? {} : { portName: service.port.name }),
      weight: 1,
      traffic: 'HTTP',
    });
  };
  add('spec.defaultBackend', ingress.spec.defaultBackend);
  (ingress.spec.rules ?? []).forEach((rule, r) => {
    (rule.http?.paths ?? []).forEach((path, p) => add(`spec.rules[${r}].http.paths[${p}].backend`, path.backend));
  });
  return uses;
}

export type RouteLike = KindMap['HTTPRoute' | 'GRPCRoute' | 'TLSRoute' | 'TCPRoute' | 'UDPRoute' | 'Ingress'];

export function backendUses(object: RouteLike): BackendUse[] {
  return object.kind === 'Ingress' ? ingressBackendUses(object) : routeBackendUses(object);
}
