/**
 * A backend's Cluster written straight into wire format (issue 15: no Envoy JSON on the hot path).
 *
 * Direct for the shape nearly every backend has: an EDS cluster of a Service port with no
 * BackendPolicy, no BackendTLSPolicy and no retry budget. Every field of such a cluster but its name
 * is the same for all of them of one protocol, so those fields are encoded once per process (by the
 * JSON encoder, from the very constants the JSON builder uses) and copied after the name.
 * Any other backend's cluster is its JSON (clusters/backend-cluster.ts) encoded by the JSON encoder:
 * the bytes are always right, and rare features need no second implementation.
 */
import { BufferWriter, fieldTag, RESOURCE_TYPES } from '@portico/envoy';
import type { BackendIR, UpstreamProtocol } from '@portico/ir';
import { backendClusterJson, isHttp } from '../clusters/backend-cluster.js';
import { CONNECT_TIMEOUT, DEFAULT_HTTP_PROTOCOL_OPTIONS, HTTP_CIRCUIT_BREAKERS, HTTP_LOAD_BALANCING, PER_CONNECTION_BUFFER_LIMIT_BYTES } from '../clusters/cluster-defaults.js';
import { EDS_OVER_ADS } from '../config-source.js';
import { clusterName } from '../names.js';
import type { NamedResource } from '../resources.js';
import { clusterReferences } from '../snapshot/consistency.js';
import { encodedField, fieldNumber, onFirstUse } from './encoded-field.js';
import { encodedJson, type WireMessage } from './encoded-json.js';
import { edsClusterReferences } from './wire-references.js';
import { writeString } from './wire-fields.js';
import { WireResource } from './wire-resource.js';

const CLUSTER = RESOURCE_TYPES.cluster;

/** Whether the direct writer covers `backend`'s cluster (else it is encoded from its JSON). */
export function isDirectCluster(backend: BackendIR): boolean {
  return backend.externalName === undefined && backend.protocol !== 'UDP' && !backend.policy && !backend.tls && !backend.retryBudget;
}

/** A backend's cluster as served: its bytes and references, its JSON built only when read (dumps, goldens). */
export function backendClusterResource(backend: BackendIR): NamedResource {
  const { bytes, references } = writeBackendCluster(backend);
  return new WireResource(clusterName(backend), bytes, references, () => backendClusterJson(backend));
}

export function writeBackendCluster(backend: BackendIR): WireMessage {
  if (!isDirectCluster(backend)) return encodedCluster(backend);
  const name = clusterName(backend);
  const w = scratch.reset();
  // The name has the lowest field number (encodedFields checks it): it comes first.
  writeString(w, nameTag(), name);
  w.raw(sharedFields(backend.protocol));
  return { bytes: w.finish(), references: edsClusterReferences(name) };
}

/** The cluster's JSON, encoded; its references found by the consistency walk itself. */
function encodedCluster(backend: BackendIR): WireMessage {
  return encodedJson(CLUSTER, backendClusterJson(backend), clusterReferences);
}

/** One writer for every direct cluster (`finish` copies each out): no buffer allocated and grown per backend. */
const scratch = BufferWriter.create();

const nameTag = onFirstUse(() => fieldTag(CLUSTER, 'name'));

/** Every field of a direct cluster of `protocol` but its name, in field-number order (encoded once per protocol). */
function sharedFields(protocol: UpstreamProtocol): Uint8Array {
  return (protocol === 'HTTP' ? httpFields : protocol === 'HTTP2' ? http2Fields : tcpFields)();
}

const httpFields = onFirstUse(() => encodedFields('HTTP'));
const http2Fields = onFirstUse(() => encodedFields('HTTP2'));
const tcpFields = onFirstUse(() => encodedFields('TCP'));

/** What backendClusterJson sets for a backend of the direct shape, but its name. */
function encodedFields(protocol: UpstreamProtocol): Uint8Array {
  const fields: [string, unknown][] = [
    // clusterDiscovery (dns-clusters.ts) of a Service backend.
    ['type', 'EDS'],
    ['edsClusterConfig', EDS_OVER_ADS],
    ['connectTimeout', CONNECT_TIMEOUT],
    ['perConnectionBufferLimitBytes', PER_CONNECTION_BUFFER_LIMIT_BYTES],
  ];
  if (isHttp(protocol)) {
    fields.push(
      ['loadBalancingPolicy', HTTP_LOAD_BALANCING],
      ['circuitBreakers', HTTP_CIRCUIT_BREAKERS],
      ['typedExtensionProtocolOptions', DEFAULT_HTTP_PROTOCOL_OPTIONS[protocol as 'HTTP' | 'HTTP2']],
    );
  } else fields.push(['lbPolicy', 'ROUND_ROBIN']);
  const nameNumber = fieldNumber(CLUSTER, 'name');
  const numbered = fields.map(([field, json]) => ({ number: fieldNumber(CLUSTER, field), bytes: encodedField(CLUSTER, field, json) }));
  if (numbered.some((f) => f.number <= nameNumber)) throw new Error('a shared Cluster field comes before its name');
  const w = BufferWriter.create();
  for (const f of numbered.sort((a, b) => a.number - b.number)) w.raw(f.bytes);
  return w.finish();
}
