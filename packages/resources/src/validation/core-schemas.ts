/**
 * Hand-written JSON schemas for the core kinds Portico reads (Service, EndpointSlice, Secret, ConfigMap,
 * Namespace, Ingress, IngressClass). They cover the fields modelled in core.ts and networking.ts: types,
 * enums, required fields and ranges, plus the few API-server defaults the translator relies on. Other
 * fields are allowed and kept, as the API server would. `metadata` is added by the validator; `status`
 * is not validated (see schema-validator.ts).
 */
import type { SchemaObject } from 'ajv';
import type { Kind } from '../model/kinds.js';

const str: SchemaObject = { type: 'string' };
const bool: SchemaObject = { type: 'boolean' };
const portNumber: SchemaObject = { type: 'integer', minimum: 1, maximum: 65535 };
const stringMap: SchemaObject = { type: 'object', additionalProperties: str };
const base64Map: SchemaObject = { type: 'object', additionalProperties: { type: 'string', format: 'byte' } };
const object = (properties: Record<string, SchemaObject>, required?: string[]): SchemaObject => ({
  type: 'object',
  properties,
  ...(required ? { required } : {}),
});
const arrayOf = (items: SchemaObject): SchemaObject => ({ type: 'array', items });
/**
 * A built-in kind's `spec` is a Go struct, never a pointer: the API server stores an object sent
 * without one as `spec: {}` and applies the spec's own defaults inside it (a Service without spec reads
 * back with `spec.type: ClusterIP`). The loader does the same, so the translator never meets a missing
 * spec from a file.
 */
const specOf = (properties: Record<string, SchemaObject>): SchemaObject => ({ ...object(properties), default: {} });
// core/v1 Protocol; the API server defaults it to TCP on Service and EndpointSlice ports.
const protocol: SchemaObject = { type: 'string', enum: ['TCP', 'UDP', 'SCTP'], default: 'TCP' };

const service = object({
  spec: specOf({
    type: { type: 'string', enum: ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'], default: 'ClusterIP' },
    clusterIP: str,
    clusterIPs: arrayOf(str),
    externalName: str,
    selector: stringMap,
    ports: arrayOf(
      object(
        {
          name: str,
          protocol,
          port: portNumber,
          targetPort: { 'x-kubernetes-int-or-string': true },
          nodePort: { type: 'integer', minimum: 0, maximum: 65535 },
          appProtocol: str,
        },
        ['port'],
      ),
    ),
  }),
});

const endpointSlice = object(
  {
    addressType: { type: 'string', enum: ['IPv4', 'IPv6', 'FQDN'] },
    endpoints: arrayOf(
      object(
        {
          addresses: { type: 'array', items: str, minItems: 1, maxItems: 100 },
          conditions: object({ ready: bool, serving: bool, terminating: bool }),
          hostname: str,
          nodeName: str,
          zone: str,
        },
        ['addresses'],
      ),
    ),
    ports: arrayOf(
      object({
        name: str,
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        protocol,
        appProtocol: str,
      }),
    ),
  },
  ['addressType'],
);

const secret = object({
  // The API server defaults an untyped Secret to Opaque.
  type: { type: 'string', default: 'Opaque' },
  data: base64Map,
  stringData: stringMap,
  immutable: bool,
});

const configMap = object({ data: stringMap, binaryData: base64Map, immutable: bool });

const namespace = object({ spec: object({ finalizers: arrayOf(str) }) });

// networking/v1 IngressBackend: exactly one of service and resource (apis/networking/validation).
const ingressBackend: SchemaObject = {
  ...object({
    service: object(
      {
        name: str,
        // Exactly one of name and number, as the API server requires.
        port: { ...object({ name: str, number: portNumber }), oneOf: [{ required: ['name'] }, { required: ['number'] }] },
      },
      ['name'],
    ),
    resource: object({ apiGroup: str, kind: str, name: str }, ['kind', 'name']),
  }),
  oneOf: [{ required: ['service'] }, { required: ['resource'] }],
};

const ingress = object({
  spec: specOf({
    ingressClassName: str,
    defaultBackend: ingressBackend,
    rules: arrayOf(
      object({
        host: str,
        http: object(
          {
            paths: {
              type: 'array',
              minItems: 1,
              items: {
                ...object(
                  {
                    path: { type: 'string', pattern: '^/' },
                    pathType: { type: 'string', enum: ['Exact', 'Prefix', 'ImplementationSpecific'] },
                    backend: ingressBackend,
                  },
                  ['pathType', 'backend'],
                ),
                // Only ImplementationSpecific may leave the path out (networking validation).
                if: { properties: { pathType: { enum: ['Exact', 'Prefix'] } } },
                then: { required: ['path'] },
              },
            },
          },
          ['paths'],
        ),
      }),
    ),
    tls: arrayOf(object({ hosts: arrayOf(str), secretName: str })),
  }),
});

const ingressClass = object({
  spec: specOf({
    controller: { type: 'string', maxLength: 250 },
    parameters: object(
      { apiGroup: str, kind: str, name: str, namespace: str, scope: { type: 'string', enum: ['Cluster', 'Namespace'] } },
      ['kind', 'name'],
    ),
  }),
});

/** Schemas of the kinds that are not Gateway API CRDs, keyed by kind (each has one version, v1). */
export const CORE_SCHEMAS: Readonly<Partial<Record<Kind, SchemaObject>>> = {
  Service: service,
  EndpointSlice: endpointSlice,
  Secret: secret,
  ConfigMap: configMap,
  Namespace: namespace,
  Ingress: ingress,
  IngressClass: ingressClass,
};

/** Human wording for patterns used above. */
export const CORE_PATTERN_HINTS: Readonly<Record<string, string>> = {
  '^/': 'must be an absolute path (start with "/")',
};
