/**
 * What the API server does to an object on `kubectl apply` besides schema defaulting, so an object loaded
 * from a file looks like the one the kubernetes provider would read back from a cluster.
 */
import type { KindInfo } from '../model/kinds.js';

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Drops fields whose value is null, at any depth. The API server prunes null fields of non-nullable
 * schemas before defaulting; none of the watched kinds has a nullable field, and tools emit such nulls
 * (`kubectl create --dry-run -o yaml` writes `creationTimestamp: null`).
 */
export function pruneNulls(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) pruneNulls(item);
  } else if (isObject(value)) {
    for (const [key, field] of Object.entries(value)) {
      if (field === null) delete value[key];
      else pruneNulls(field);
    }
  }
}

/**
 * Before validation: a namespaced object without a namespace lands in `default` (as with kubectl and no
 * context namespace); a cluster-scoped object loses a namespace it should not have (the API server
 * ignores it).
 */
export function applyNamespace(metadata: JsonObject, info: KindInfo): void {
  if (info.namespaced) {
    if (metadata.namespace === undefined || metadata.namespace === '') metadata.namespace = 'default';
  } else {
    delete metadata.namespace;
  }
}

/** After validation: the defaults and conversions that no schema can express. */
export function applyApiServerConversions(object: JsonObject, info: KindInfo): void {
  if (info.kind === 'Secret') mergeStringData(object);
  if (info.kind === 'Service') defaultTargetPorts(object);
}

/** `stringData` is write-only: the API server merges it into `data` (base64), winning over `data`. */
function mergeStringData(secret: JsonObject): void {
  const stringData = secret.stringData;
  if (!isObject(stringData)) return;
  const data = isObject(secret.data) ? secret.data : {};
  for (const [key, value] of Object.entries(stringData)) {
    data[key] = Buffer.from(String(value), 'utf8').toString('base64');
  }
  secret.data = data;
  delete secret.stringData;
}

/** core/v1 `SetDefaults_Service`: a port without `targetPort` targets the same port number. */
function defaultTargetPorts(service: JsonObject): void {
  const spec = service.spec;
  if (!isObject(spec) || !Array.isArray(spec.ports)) return;
  for (const port of spec.ports) {
    const target = isObject(port) ? port.targetPort : undefined;
    if (isObject(port) && (target === undefined || target === 0 || target === '')) port.targetPort = port.port;
  }
}
