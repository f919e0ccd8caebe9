/**
 * What every object of one Gateway's infrastructure shares: its name, its metadata (labels, owner
 * references) and the Gateway's `spec.infrastructure` annotations, derived once from the Gateway.
 */
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import type { Gateway } from '@portico/resources';
import { envoyResourceName, GATEWAY_ANNOTATION, objectLabels, sortedRecord } from './infrastructure-names.js';

export interface InfrastructureContext {
  /** `namespace/name` of the Gateway. */
  gatewayKey: string;
  /** The name of all four objects. */
  resourceName: string;
  /** Where they live. */
  namespace: string;
  /** Name, namespace, labels, annotations and owner references of each object. */
  metadata: V1ObjectMeta & { name: string; namespace: string };
  /** `spec.infrastructure.annotations`, also put on the pods. */
  infrastructureAnnotations: Record<string, string>;
}

export function infrastructureContext(gateway: Gateway, targetNamespace: string | undefined): InfrastructureContext {
  const gatewayNamespace = gateway.metadata.namespace ?? 'default';
  const gatewayName = gateway.metadata.name;
  const resourceName = envoyResourceName(gatewayNamespace, gatewayName);
  const namespace = targetNamespace ?? gatewayNamespace;
  const infrastructure = gateway.spec.infrastructure ?? {};
  const infrastructureAnnotations = sortedRecord(infrastructure.annotations ?? {});
  const gatewayKey = `${gatewayNamespace}/${gatewayName}`;
  const ownerReferences = namespace === gatewayNamespace ? gatewayOwnerReference(gateway) : undefined;
  return {
    gatewayKey,
    resourceName,
    namespace,
    metadata: {
      name: resourceName,
      namespace,
      labels: objectLabels(resourceName, { namespace: gatewayNamespace, name: gatewayName }, infrastructure.labels),
      annotations: sortedRecord({ ...infrastructureAnnotations, [GATEWAY_ANNOTATION]: gatewayKey }),
      ...(ownerReferences ? { ownerReferences } : {}),
    },
    infrastructureAnnotations,
  };
}

/**
 * The Gateway as controller owner: Kubernetes' garbage collector deletes the objects with it. Owner
 * references cannot cross namespaces, and need the owner's uid; without either, labels are all there
 * is (and the manager deletes the objects itself, as it does anyway).
 */
function gatewayOwnerReference(gateway: Gateway): V1OwnerReference[] | undefined {
  if (!gateway.metadata.uid) return undefined;
  return [
    {
      apiVersion: gateway.apiVersion,
      kind: 'Gateway',
      name: gateway.metadata.name,
      uid: gateway.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
}
