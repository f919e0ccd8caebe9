/**
 * The two API server calls the status writer makes — read an object, replace its `/status`
 * subresource — behind a small interface, so the writer's queueing, coalescing and retries are tested
 * with a fake (status-writer.test.ts) and the real calls against a real kube-apiserver (e2e).
 *
 * Gateway API kinds go through CustomObjectsApi at the served version the object's apiVersion names
 * (or, with no object at hand, the first version of KINDS that the server serves); Ingress through
 * NetworkingV1Api. Results are plain JSON objects.
 */
import { CustomObjectsApi, NetworkingV1Api, type KubeConfig, type V1Ingress } from '@kubernetes/client-node';
import { KINDS, parseApiVersion, type KubeObject } from '@portico/resources';
import { createCallOptions, describeApiError } from '../kube-api-call.js';
import type { DesiredStatus } from '../types.js';

export type StatusKind = DesiredStatus['kind'];

export interface StatusObjectRef {
  kind: StatusKind;
  namespace?: string;
  name: string;
}

export interface StatusApi {
  /**
   * The object as stored now (with `status` and `metadata.resourceVersion`), or undefined when it
   * does not exist. `apiVersion`, when known, picks the version to read.
   */
  read(ref: StatusObjectRef, apiVersion?: string): Promise<KubeObject | undefined>;
  /**
   * PUT of the object to its `/status` subresource; the object's `metadata.resourceVersion` makes it
   * a compare-and-swap (409 Conflict when stale). Resolves to the stored object; rejects with the
   * client's error (see describeApiError).
   */
  replaceStatus(object: KubeObject): Promise<KubeObject>;
  /** Releases connections; called once the writer stopped. */
  close?(): void;
}

const PLURALS: Readonly<Record<Exclude<StatusKind, 'Ingress'>, string>> = {
  GatewayClass: 'gatewayclasses',
  Gateway: 'gateways',
  ListenerSet: 'listenersets',
  HTTPRoute: 'httproutes',
  GRPCRoute: 'grpcroutes',
  TLSRoute: 'tlsroutes',
  TCPRoute: 'tcproutes',
  UDPRoute: 'udproutes',
  BackendTLSPolicy: 'backendtlspolicies',
  XBackendTrafficPolicy: 'xbackendtrafficpolicies',
  SecurityPolicy: 'securitypolicies',
  BackendPolicy: 'backendpolicies',
  XTelemetryPolicy: 'xtelemetrypolicies',
  AccessLogPolicy: 'accesslogpolicies',
  RateLimitPolicy: 'ratelimitpolicies',
};

const REQUEST_TIMEOUT_MS = 10_000;

/** A plain JSON copy: client-node returns class instances with Date fields for built-in kinds. */
function plain(object: unknown): KubeObject {
  return JSON.parse(JSON.stringify(object)) as KubeObject;
}

export function createKubeStatusApi(kubeConfig: KubeConfig): StatusApi {
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const networking = kubeConfig.makeApiClient(NetworkingV1Api);
  const calls = createCallOptions(REQUEST_TIMEOUT_MS);
  const options = calls.options;
  /** The version that answered last, per kind: tried first next time. */
  const servedVersion = new Map<StatusKind, string>();

  async function readCustom(ref: StatusObjectRef, version: string): Promise<KubeObject> {
    const kind = ref.kind as Exclude<StatusKind, 'Ingress'>;
    const common = { group: KINDS[kind].group, version, plural: PLURALS[kind], name: ref.name };
    const object: unknown = ref.namespace
      ? await custom.getNamespacedCustomObject({ ...common, namespace: ref.namespace }, options())
      : await custom.getClusterCustomObject(common, options());
    return plain(object);
  }

  async function read(ref: StatusObjectRef, apiVersion?: string): Promise<KubeObject | undefined> {
    if (ref.kind === 'Ingress') {
      try {
        const ingress = await networking.readNamespacedIngress({ namespace: ref.namespace ?? '', name: ref.name }, options());
        return { ...plain(ingress), apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' };
      } catch (error) {
        if (describeApiError(error).code === 404) return undefined;
        throw error;
      }
    }
    const known = apiVersion ? [parseApiVersion(apiVersion).version] : [];
    const remembered = servedVersion.get(ref.kind);
    const versions = [...new Set([...known, ...(remembered ? [remembered] : []), ...KINDS[ref.kind].versions])];
    for (const version of versions) {
      try {
        const object = await readCustom(ref, version);
        servedVersion.set(ref.kind, version);
        return object;
      } catch (error) {
        const problem = describeApiError(error);
        if (problem.code !== 404) throw error;
        // A 404 naming the object means it is gone; one without a name means this version is not served.
        if (problem.missingName) return undefined;
      }
    }
    return undefined;
  }

  async function replaceStatus(object: KubeObject): Promise<KubeObject> {
    const { kind, metadata } = object;
    if (kind === 'Ingress') {
      const body = object as unknown as V1Ingress;
      return plain(await networking.replaceNamespacedIngressStatus({ namespace: metadata.namespace ?? '', name: metadata.name, body }, options()));
    }
    const info = KINDS[kind as Exclude<StatusKind, 'Ingress'>];
    const common = {
      group: info.group,
      version: parseApiVersion(object.apiVersion).version,
      plural: PLURALS[kind as Exclude<StatusKind, 'Ingress'>],
      name: metadata.name,
      body: object,
    };
    const stored: unknown = metadata.namespace
      ? await custom.replaceNamespacedCustomObjectStatus({ ...common, namespace: metadata.namespace }, options())
      : await custom.replaceClusterCustomObjectStatus(common, options());
    return plain(stored);
  }

  return { read, replaceStatus, close: calls.close };
}
