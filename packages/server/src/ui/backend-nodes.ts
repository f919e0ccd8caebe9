/**
 * The bottom of the graph: what each shown route sends to (a `backend` edge per backendRef: to a
 * Service, or to a `Backend` node for another kind), and each Service's endpoints from its
 * EndpointSlices. A backendRef diagnose failed (a Service or port that does not exist, a reference no
 * ReferenceGrant allows) is a red edge labelled with the finding; a Service that does not exist is
 * still drawn, red, so the edge has somewhere to point.
 */
import type { DiagnoseInput, Finding } from '@portico/diagnose';
import type { BackendRef, EndpointSlice, Ingress, IngressBackend, Route, Service } from '@portico/resources';
import type { GraphAssembly } from './graph-assembly.js';
import { backendId, endpointId, serviceId } from './graph-ids.js';
import type { ShownRoute } from './route-nodes.js';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

interface BackendUse {
  kind: string;
  group: string;
  namespace: string;
  name: string;
  port?: number | string;
  /** `rule 1: weight 90`, for a rule that splits its traffic over several backendRefs. */
  share?: string;
  /** Where in the route, to find diagnose's findings about it. */
  field: string;
}

/** `failures(routeId, field)`: the FAIL findings about a field of a route (or anything under it). */
export type FieldFailures = (routeId: string, field: string) => Finding[];

export function addBackendNodes(graph: GraphAssembly, input: DiagnoseInput, routes: readonly ShownRoute[], failures: FieldFailures): void {
  const slices = slicesByService(input.resources.list('EndpointSlice'));
  const services = new Set<string>();
  for (const { id: routeId, object } of routes) {
    const gateways = graph.gatewaysOf(routeId);
    const uses = object.kind === 'Ingress' ? ingressBackends(object as Ingress) : routeBackends(object as Route);
    for (const use of uses) {
      const isService = use.group === '' && use.kind === 'Service';
      const to = isService ? serviceId(use.namespace, use.name) : backendId(use.namespace, use.name);
      if (isService) {
        addService(graph, input.resources.get('Service', use.namespace, use.name), use, gateways);
        services.add(to);
      } else {
        graph.node({ id: to, kind: 'Backend', namespace: use.namespace, name: use.name, gateways, facts: { kind: use.kind, ...(use.group ? { group: use.group } : {}) }, summary: `${use.group ? `${use.group}/` : ''}${use.kind}` });
      }
      const failed = failures(routeId, use.field);
      const label = failed.length > 0 ? failed.map((f) => f.message).join('; ') : use.share;
      graph.edge(routeId, to, 'backend', failed.length > 0 ? 'error' : 'ok', label);
    }
  }
  for (const id of services) addEndpoints(graph, id, slices, graph.gatewaysOf(id));
}

function addService(graph: GraphAssembly, service: Service | undefined, use: BackendUse, gateways: ReadonlySet<string>): void {
  const id = serviceId(use.namespace, use.name);
  if (graph.has(id)) return graph.addGateways(id, gateways);
  if (!service) {
    graph.node({ id, kind: 'Service', namespace: use.namespace, name: use.name, gateways, facts: { exists: 'false' }, health: 'error', summary: `Service ${use.namespace}/${use.name} does not exist` });
    return;
  }
  const ports = (service.spec?.ports ?? []).map((p) => `${p.name ? `${p.name}:` : ''}${p.port}/${p.protocol ?? 'TCP'}`).join(', ');
  const type = service.spec?.type ?? 'ClusterIP';
  graph.node({
    id,
    kind: 'Service',
    namespace: use.namespace,
    name: use.name,
    gateways,
    facts: { type, ...(ports ? { ports } : {}), ...(service.spec?.externalName ? { externalName: service.spec.externalName } : {}) },
    health: 'ok',
    summary: type === 'ExternalName' ? `ExternalName ${service.spec.externalName ?? ''}` : ports || 'no ports',
  });
}

function addEndpoints(graph: GraphAssembly, id: string, slices: ReadonlyMap<string, EndpointSlice[]>, gateways: ReadonlySet<string>): void {
  const [, namespace, service] = id.split('/') as [string, string, string];
  for (const slice of slices.get(`${namespace}/${service}`) ?? []) {
    const ports = (slice.ports ?? []).map((p) => p.port).filter((p): p is number => p !== undefined);
    for (const endpoint of slice.endpoints ?? []) {
      const ready = endpoint.conditions?.ready !== false;
      const terminating = endpoint.conditions?.terminating === true;
      const state = ready ? 'ready' : terminating && endpoint.conditions?.serving === true ? 'serving, terminating' : 'not ready';
      for (const address of endpoint.addresses ?? []) {
        for (const port of ports.length > 0 ? ports : ['?']) {
          const endpointNode = endpointId(namespace, service, address, port);
          const facts: Record<string, string> = { address, port: String(port), ready: String(ready), slice: slice.metadata.name };
          if (endpoint.zone) facts.zone = endpoint.zone;
          if (endpoint.nodeName) facts.node = endpoint.nodeName;
          graph.node({ id: endpointNode, kind: 'Endpoint', namespace, name: `${endpointNode.slice(`Endpoint/${namespace}/${service}/`.length)}`, gateways, facts, owner: id, health: ready ? 'ok' : 'warning', summary: state });
          graph.edge(id, endpointNode, 'endpoint', ready ? 'ok' : 'warning');
        }
      }
    }
  }
}

function slicesByService(slices: readonly EndpointSlice[]): Map<string, EndpointSlice[]> {
  const out = new Map<string, EndpointSlice[]>();
  for (const slice of slices) {
    const service = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!service) continue;
    const key = `${slice.metadata.namespace ?? 'default'}/${service}`;
    out.set(key, [...(out.get(key) ?? []), slice]);
  }
  return out;
}

function routeBackends(route: Route): BackendUse[] {
  const namespace = route.metadata.namespace ?? 'default';
  const rules = (route.spec?.rules ?? []) as { backendRefs?: BackendRef[] }[];
  return rules.flatMap((rule, i) => {
    const refs = rule.backendRefs ?? [];
    return refs.map((ref, j) => ({
      kind: ref.kind ?? 'Service',
      group: ref.group ?? '',
      namespace: ref.namespace ?? namespace,
      name: ref.name,
      ...(ref.port === undefined ? {} : { port: ref.port }),
      ...(refs.length > 1 ? { share: `rule ${i}: weight ${ref.weight ?? 1}` } : {}),
      field: `spec.rules[${i}].backendRefs[${j}]`,
    }));
  });
}

function ingressBackends(ingress: Ingress): BackendUse[] {
  const namespace = ingress.metadata.namespace ?? 'default';
  const use = (backend: IngressBackend | undefined, field: string): BackendUse[] => {
    if (backend?.service) {
      const port = backend.service.port?.number ?? backend.service.port?.name;
      return [{ kind: 'Service', group: '', namespace, name: backend.service.name, ...(port === undefined ? {} : { port }), field }];
    }
    if (backend?.resource) return [{ kind: backend.resource.kind, group: backend.resource.apiGroup ?? '', namespace, name: backend.resource.name, field }];
    return [];
  };
  return [
    ...use(ingress.spec?.defaultBackend, 'spec.defaultBackend'),
    ...(ingress.spec?.rules ?? []).flatMap((rule, i) => (rule.http?.paths ?? []).flatMap((path, j) => use(path.backend, `spec.rules[${i}].http.paths[${j}].backend`))),
  ];
}
