/**
 * What is wrong with one backend reference, as a client of the route would feel it: the Service is
 * missing, the port is wrong (by number, by name, or the Pods' targetPort written instead of the
 * Service's port), an ExternalName the gateway refuses, no endpoint ready (the 503 prediction), only
 * terminating endpoints, or a protocol the route kind does not speak. Each problem names the field at
 * fault and a fix that names what really exists.
 */
import type { GatewayIR } from '@portico/ir';
import type { ResourceSet, Service, ServicePort } from '@portico/resources';
import type { FindingLevel } from '../../findings.js';
import type { BackendUse } from './backend-refs.js';
import { endpointHealth, type EndpointHealth } from './endpoint-health.js';
import { describePort, describePorts, servicePorts, similarName } from './service-names.js';

export interface BackendProblem {
  level: FindingLevel;
  code: string;
  field: string;
  message: string;
  fix?: string;
}

/** appProtocol values the translator speaks HTTP/2 (h2c) to from an HTTPRoute (GEP-1911). */
const HTTP2_APP_PROTOCOLS = new Set(['kubernetes.io/h2c', 'h2c', 'grpc', 'http2', 'h2']);
/** appProtocol values that say the port expects TLS from its clients. */
const TLS_APP_PROTOCOLS = new Set(['kubernetes.io/wss', 'https', 'kubernetes.io/https', 'tls']);

export function backendRefProblems(resources: ResourceSet, gateway: GatewayIR | undefined, use: BackendUse): BackendProblem[] {
  const display = `Service ${use.namespace}/${use.name}`;
  const fail = (code: string, field: string, message: string, fix?: string): BackendProblem[] => [
    // A mirror's failure costs no request, nor does a weight-0 reference's (until it is given a weight).
    { level: use.mirror || use.weight === 0 ? 'WARN' : 'FAIL', code, field, message: `${message}: ${lostTraffic(use, 'invalid')}`, ...(fix ? { fix } : {}) },
  ];
  if (use.group !== '' || use.kind !== 'Service') {
    return fail('BackendKindNotSupported', use.field, `${use.group || 'core'}/${use.kind} ${use.name} is not a Service, and only core Services are routed to`, 'point the backendRef at a Service (group "", kind Service)');
  }
  const service = resources.get('Service', use.namespace, use.name);
  if (!service) {
    const others = resources.listIn('Service', use.namespace).map((s) => s.metadata.name);
    const guess = similarName(use.name, others);
    const fix = guess
      ? `did you mean Service ${use.namespace}/${guess}, with ${describePorts(servicePorts(resources.get('Service', use.namespace, guess)))}? set name: ${guess}`
      : `create Service ${use.namespace}/${use.name}, or name an existing Service of namespace ${use.namespace}`;
    return fail('ServiceNotFound', `${use.field}.name`, `${display} does not exist`, fix);
  }
  const externalName = service.spec?.type === 'ExternalName';
  if (externalName && !gatewayRoutesToExternalName(gateway, use)) {
    return fail(
      'ExternalNameRefused',
      `${use.field}.name`,
      `${display} is of type ExternalName (${service.spec.externalName ?? 'no externalName'}), which this gateway does not route to`,
      'start Portico with --allow-external-name-services (chart value allowExternalNameServices: true) if Services may point the gateway at any DNS name; a name of the gateway\'s own host also needs --allow-external-name-loopback',
    );
  }
  const resolved = resolvePort(service, use);
  if ('problem' in resolved) return fail(resolved.problem.code, resolved.problem.field, resolved.problem.message, resolved.problem.fix);
  const port = resolved.port;
  // A weight-0 reference takes no requests: its endpoints matter to nobody yet.
  if (use.weight === 0 || externalName) return appProtocolProblems(resources, use, port);
  return [...appProtocolProblems(resources, use, port), ...endpointProblems(resources, service, use, port)];
}

/** The ExternalName Service is in the gateway's IR: the operator allows it and Envoy resolves its name. */
function gatewayRoutesToExternalName(gateway: GatewayIR | undefined, use: BackendUse): boolean {
  return (gateway?.backends ?? []).some((b) => b.externalName !== undefined && b.service.namespace === use.namespace && b.service.name === use.name);
}

type PortResolution = { port: ServicePort } | { problem: { code: string; field: string; message: string; fix?: string } };

function resolvePort(service: Service, use: BackendUse): PortResolution {
  const display = `Service ${use.namespace}/${use.name}`;
  const ports = servicePorts(service);
  const choose = ports.length > 0 ? `use ${describePorts(ports)}` : `${display} declares no ports: add the port the Pods listen on to its spec.ports`;
  if (use.portName !== undefined) {
    const named = ports.find((p) => p.name === use.portName);
    if (named) return { port: named };
    return { problem: { code: 'ServicePortNotFound', field: use.portField, message: `${display} has no port named ${use.portName}`, fix: choose } };
  }
  if (use.port === undefined) {
    return { problem: { code: 'ServicePortMissing', field: use.field, message: `the reference to ${display} names no port`, fix: choose } };
  }
  const portField = use.portField;
  const numbered = ports.filter((p) => p.port === use.port);
  const wanted = use.traffic === 'UDP' ? 'UDP' : 'TCP';
  // An ExternalName Service needs no ports (its CNAME carries none): the reference's port is used as is.
  const bare: ServicePort | undefined = service.spec?.type === 'ExternalName' && ports.length === 0 ? { port: use.port, protocol: wanted } : undefined;
  const port = numbered.find((p) => (p.protocol ?? 'TCP') === wanted) ?? numbered[0] ?? bare;
  if (!port) {
    const targeted = ports.find((p) => p.targetPort === use.port);
    if (targeted) {
      return {
        problem: {
          code: 'TargetPortReferenced',
          field: portField,
          message: `${display} has no port ${use.port}; ${use.port} is the targetPort (the Pods' port) of its ${describePort(targeted)}, and a reference names the Service's port`,
          fix: `set port: ${targeted.port}`,
        },
      };
    }
    return { problem: { code: 'ServicePortNotFound', field: portField, message: `${display} has no port ${use.port}`, fix: choose } };
  }
  const transport = port.protocol ?? 'TCP';
  if (transport !== wanted) {
    return {
      problem: {
        code: 'ServicePortProtocol',
        field: portField,
        message: `${display} ${describePort(port)} is ${transport}, but this traffic needs ${wanted}`,
        fix: ports.some((p) => (p.protocol ?? 'TCP') === wanted) ? `use ${describePorts(ports.filter((p) => (p.protocol ?? 'TCP') === wanted))}` : `add a ${wanted} port to ${display}`,
      },
    };
  }
  return { port };
}

function appProtocolProblems(resources: ResourceSet, use: BackendUse, port: ServicePort): BackendProblem[] {
  const display = `Service ${use.namespace}/${use.name} ${describePort(port)}`;
  const app = port.appProtocol;
  if (use.traffic === 'GRPC' && !(app && HTTP2_APP_PROTOCOLS.has(app))) {
    return [
      {
        level: 'WARN',
        code: 'GRPCBackendNotHTTP2',
        field: use.field,
        message: `${display} ${app ? `has appProtocol ${app}` : 'declares no appProtocol'}, but gRPC needs HTTP/2: this GRPCRoute's requests go out as HTTP/2 cleartext anyway, while HTTPRoutes and Ingresses to the same port speak HTTP/1.1 to it`,
        fix: `set appProtocol: kubernetes.io/h2c on port ${port.port} of Service ${use.namespace}/${use.name}`,
      },
    ];
  }
  if (use.traffic === 'HTTP' && app && TLS_APP_PROTOCOLS.has(app) && !hasBackendTLSPolicy(resources, use, port)) {
    return [
      {
        level: 'WARN',
        code: 'BackendExpectsTLS',
        field: use.field,
        message: `${display} has appProtocol ${app}, which expects TLS, but no BackendTLSPolicy targets it: the gateway connects in cleartext`,
        fix: `add a BackendTLSPolicy with targetRefs [{group: "", kind: Service, name: ${use.name}}] and the CA that signs the backend's certificate, or fix the appProtocol`,
      },
    ];
  }
  return [];
}

function hasBackendTLSPolicy(resources: ResourceSet, use: BackendUse, port: ServicePort): boolean {
  return resources.listIn('BackendTLSPolicy', use.namespace).some((p) =>
    (p.spec?.targetRefs ?? []).some((t) => (t.group ?? '') === '' && t.kind === 'Service' && t.name === use.name && (!t.sectionName || t.sectionName === port.name)),
  );
}

function endpointProblems(resources: ResourceSet, service: Service, use: BackendUse, port: ServicePort): BackendProblem[] {
  const health = endpointHealth(resources, use.namespace, use.name, port);
  const display = `Service ${use.namespace}/${use.name} ${describePort(port)}`;
  if (health.ready > 0) return [];
  if (health.terminating > 0) {
    return [
      {
        level: 'WARN',
        code: 'OnlyTerminatingEndpoints',
        field: use.field,
        message: `${display} has no ready endpoint; ${count(health.terminating, 'terminating endpoint')} still serving take${health.terminating === 1 ? 's' : ''} its traffic until ${health.terminating === 1 ? 'it stops' : 'they stop'}, then ${lostTraffic(use, 'empty')}`,
        fix: `check why the Service's Pods are shutting down and none replaces them: kubectl get pods -n ${use.namespace}${selectorFlag(service)}`,
      },
    ];
  }
  return [
    {
      level: use.mirror ? 'WARN' : 'FAIL',
      code: 'NoReadyEndpoints',
      field: use.field,
      message: `${display} has no ready endpoint (${whyNoEndpoints(service, port, health)}): ${lostTraffic(use, 'empty')}`,
      fix: endpointFix(service, use, health),
    },
  ];
}

function whyNoEndpoints(service: Service, port: ServicePort, h: EndpointHealth): string {
  if (h.slices === 0) return service.spec?.selector ? `no EndpointSlice: no Pod matches its selector ${selectorText(service)}` : 'no EndpointSlice, and it has no selector to make one';
  if (h.slicesWithPort === 0) return `its EndpointSlices list no port ${port.name ? `named ${port.name}` : 'without a name'}`;
  if (h.notReady > 0) return `${count(h.notReady, 'endpoint')} not ready: the Pods run but fail their readiness probe, or are shutting down`;
  return 'its EndpointSlices list no endpoints';
}

function endpointFix(service: Service, use: BackendUse, h: EndpointHealth): string {
  if (h.slices === 0 && !service.spec?.selector) return `create an EndpointSlice labelled kubernetes.io/service-name: ${use.name}, or give the Service a selector`;
  if (h.slices === 0) return `make the selector match the Pods' labels, or start the Pods: kubectl get pods -n ${use.namespace}${selectorFlag(service)}`;
  if (h.slicesWithPort === 0) return 'name the Service port as the EndpointSlices do (the Service port names the Pods\' port through targetPort)';
  return `see why the Pods are not ready: kubectl describe pods -n ${use.namespace}${selectorFlag(service)} (Readiness probe failed events)`;
}

function selectorText(service: Service): string {
  return Object.entries(service.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
}

function selectorFlag(service: Service): string {
  const text = selectorText(service);
  return text ? ` -l ${text}` : '';
}

/** What a client sees when this reference cannot take its share. */
function lostTraffic(use: BackendUse, why: 'invalid' | 'empty'): string {
  if (use.mirror) return 'no copy of the requests is mirrored';
  if (use.weight === 0) return 'it takes no requests now (weight 0), and would fail them once given a weight';
  if (use.traffic === 'UDP') return 'its datagrams are dropped';
  if (use.traffic === 'TCP') return 'its connections are closed';
  // Envoy answers 503 for a cluster without endpoints, the translator 500 for a reference it cannot resolve.
  const status = why === 'empty' ? 503 : 500;
  if (use.rule === undefined) return 'requests get 503';
  return use.alone ? `requests of rule ${use.rule} get ${status}` : `its share of the requests of rule ${use.rule} gets ${status}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
