/**
 * A backend's ClusterLoadAssignment written straight into wire format, directly for every backend
 * with an EDS endpoint set (nothing in one needs another shape): the same localities, endpoints and
 * weights, in the same canonical order, as its JSON (clusters/endpoints.ts), field by field in
 * field-number order with proto3's defaults left out, as the JSON encoder writes them.
 */
import { BufferWriter, enumNumber, fieldTag, RESOURCE_TYPES } from '@portico/envoy';
import type { BackendIR, EndpointIR } from '@portico/ir';
import { buildClusterLoadAssignment, groupByZone } from '../clusters/endpoints.js';
import { clusterName } from '../names.js';
import { onFirstUse } from './encoded-field.js';
import { writeString, writeUInt32Value } from './wire-fields.js';
import { noReferences } from './wire-references.js';
import type { WireMessage } from './encoded-json.js';
import type { NamedResource } from '../resources.js';
import { WireResource } from './wire-resource.js';

const CLA = RESOURCE_TYPES.endpoint;
const LOCALITY_LB_ENDPOINTS = 'envoy.config.endpoint.v3.LocalityLbEndpoints';
const LB_ENDPOINT = 'envoy.config.endpoint.v3.LbEndpoint';
const SOCKET_ADDRESS = 'envoy.config.core.v3.SocketAddress';

const tags = onFirstUse(() => ({
  clusterName: fieldTag(CLA, 'clusterName'),
  endpoints: fieldTag(CLA, 'endpoints'),
  locality: fieldTag(LOCALITY_LB_ENDPOINTS, 'locality'),
  lbEndpoints: fieldTag(LOCALITY_LB_ENDPOINTS, 'lbEndpoints'),
  localityWeight: fieldTag(LOCALITY_LB_ENDPOINTS, 'loadBalancingWeight'),
  zone: fieldTag('envoy.config.core.v3.Locality', 'zone'),
  endpoint: fieldTag(LB_ENDPOINT, 'endpoint'),
  healthStatus: fieldTag(LB_ENDPOINT, 'healthStatus'),
  address: fieldTag('envoy.config.endpoint.v3.Endpoint', 'address'),
  socketAddress: fieldTag('envoy.config.core.v3.Address', 'socketAddress'),
  protocol: fieldTag(SOCKET_ADDRESS, 'protocol'),
  socketAddressAddress: fieldTag(SOCKET_ADDRESS, 'address'),
  portValue: fieldTag(SOCKET_ADDRESS, 'portValue'),
  healthy: enumNumber('envoy.config.core.v3.HealthStatus', 'HEALTHY'),
  udp: enumNumber('envoy.config.core.v3.SocketAddress.Protocol', 'UDP'),
}));

/** A backend's endpoint set as served: its bytes, its JSON built only when read (dumps, goldens). */
export function backendEndpointsResource(backend: BackendIR): NamedResource {
  const { bytes, references } = writeClusterLoadAssignment(backend);
  return new WireResource(clusterName(backend), bytes, references, () => buildClusterLoadAssignment(backend).resource);
}

/** One writer for every endpoint set (`finish` copies each out): no buffer allocated and grown per backend. */
const scratch = BufferWriter.create();

export function writeClusterLoadAssignment(backend: BackendIR): WireMessage {
  const t = tags();
  const w = scratch.reset();
  writeString(w, t.clusterName, clusterName(backend));
  const udp = backend.protocol === 'UDP';
  for (const [zone, members] of groupByZone(backend.endpoints)) {
    w.uint32(t.endpoints).fork();
    // Always present, empty without a zone (endpoints.ts says why).
    w.uint32(t.locality).fork();
    writeString(w, t.zone, zone);
    w.ldelim();
    for (const e of members) writeLbEndpoint(w, e, udp);
    writeUInt32Value(w, t.localityWeight, members.length);
    w.ldelim();
  }
  return { bytes: w.finish(), references: noReferences() };
}

function writeLbEndpoint(w: BufferWriter, e: EndpointIR, udp: boolean): void {
  const t = tags();
  w.uint32(t.lbEndpoints).fork();
  w.uint32(t.endpoint).fork();
  w.uint32(t.address).fork();
  w.uint32(t.socketAddress).fork();
  if (udp) w.uint32(t.protocol).int32(t.udp);
  writeString(w, t.socketAddressAddress, e.address);
  // port_value is a oneof member: written even when 0.
  w.uint32(t.portValue).uint32(e.port);
  w.ldelim();
  w.ldelim();
  w.ldelim();
  w.uint32(t.healthStatus).int32(t.healthy);
  w.ldelim();
}
