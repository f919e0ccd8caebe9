/**
 * The Service in front of one Gateway's Envoys: one port per distinct (port, protocol) Envoy listens
 * on, straight to the same port in the pod (Envoy binds the Gateway listener's port itself).
 */
import type { V1Service, V1ServicePort } from '@kubernetes/client-node';
import type { ListenerIR } from '@portico/ir';
import type { GatewaySpecAddress } from '@portico/resources';
import { selectorLabels, sortedRecord } from './infrastructure-names.js';
import type { ResolvedInfrastructureOptions } from './infrastructure-options.js';
import type { InfrastructureContext } from './infrastructure-context.js';
import { serviceAddressRequest } from './service-address-request.js';

/**
 * What the Envoy Service needs of a Gateway's IR: its listeners' types and ports (a GatewayIR is
 * one). With translation on the worker only these cross, never the routes.
 */
export interface GatewayListenerPorts {
  listeners: readonly Pick<ListenerIR, 'type' | 'port'>[];
}

/** Undefined when no listener is programmed: a Service needs a port, and deleting it would give up its address. */
export function envoyService(
  context: InfrastructureContext,
  ir: GatewayListenerPorts,
  options: ResolvedInfrastructureOptions,
  addresses?: readonly GatewaySpecAddress[],
): V1Service | undefined {
  const ports = servicePorts(ir.listeners);
  if (ports.length === 0) return undefined;
  const external = options.serviceType !== 'ClusterIP';
  const request = serviceAddressRequest(addresses, options.serviceType);
  const annotations = Object.keys(request.annotations).length ? sortedRecord({ ...context.metadata.annotations, ...request.annotations }) : undefined;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: annotations ? { ...context.metadata, annotations } : context.metadata,
    spec: {
      type: options.serviceType,
      selector: selectorLabels(context.resourceName),
      ports,
      ...(external ? { externalTrafficPolicy: options.externalTrafficPolicy } : {}),
      ...request.spec,
    },
  };
}

/**
 * HTTP, HTTPS/TLS and TCP listeners take TCP, UDP listeners UDP. The IR has one listener per port and
 * transport; the port is named the way the IR names it, `<transport>-<port>` (`http-80`, `tls-443`, `udp-53`).
 * Sorted by port then protocol, so the list (and its hash) does not depend on listener order.
 */
export function servicePorts(listeners: GatewayListenerPorts['listeners']): V1ServicePort[] {
  const ports = new Map<string, V1ServicePort>();
  for (const listener of listeners) {
    const protocol = listener.type === 'UDP' ? 'UDP' : 'TCP';
    const key = `${protocol}/${listener.port}`;
    if (!ports.has(key)) ports.set(key, { name: `${listener.type.toLowerCase()}-${listener.port}`, protocol, port: listener.port, targetPort: listener.port });
  }
  return [...ports.values()].sort((a, b) => a.port - b.port || (a.protocol! < b.protocol! ? -1 : 1));
}
