/**
 * The Gateway API CRDs (experimental channel, so TLSRoute/TCPRoute/UDPRoute and the extra fields exist)
 * from ../shared/crds beside the repository, installed the way upstream's experimental-install.yaml
 * does: every file the channel's kustomization lists, including the safe-upgrades
 * ValidatingAdmissionPolicy. v1.7.0 (what the chart ships, and the only release the v1.7.0 conformance
 * suite accepts) unless a test names another: v1.6.1 for clusters that have not upgraded their CRDs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { KubeConfig, V1CustomResourceDefinition } from '@kubernetes/client-node';
import { parse, parseAllDocuments } from 'yaml';
import { applyObjects, kubeRequest } from './kube-apply.js';
import { repoRoot } from '../../../cluster/repo-root.js';

export const GATEWAY_API_CRDS_DIR = resolve(repoRoot(), '../shared/crds/gateway-api-v1.7.0/experimental');
/** The release before: what a cluster installed with an earlier chart still has (Helm never upgrades `crds/`). */
export const GATEWAY_API_V1_6_CRDS_DIR = resolve(repoRoot(), '../shared/crds/gateway-api/experimental');

/** Portico's own policy CRDs (group gateway.portico.dev), shipped in the chart next to the Gateway API ones. */
export const PORTICO_CRDS_DIR = resolve(repoRoot(), 'charts/portico/crds');

/** The CRDs of charts/portico/crds/gateway.portico.dev_*.yaml, in file order. */
export function loadPorticoCrds(dir = PORTICO_CRDS_DIR): { kind: string; metadata: { name: string }; spec: { names: { plural: string } } }[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith('gateway.portico.dev_') && f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((doc) => doc.toJS()))
    .filter((o) => o?.kind === 'CustomResourceDefinition');
}

/** Every document of every file the experimental kustomization lists, CRDs first. */
export function loadGatewayApiInstall(dir = GATEWAY_API_CRDS_DIR): object[] {
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  const objects = kustomization.resources.flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), 'utf8'))
      .map((doc) => doc.toJS() as { kind?: string } | null)
      .filter((object): object is { kind: string } => object !== null && typeof object.kind === 'string'),
  );
  const isCrd = (object: { kind: string }) => object.kind === 'CustomResourceDefinition';
  return [...objects.filter(isCrd), ...objects.filter((object) => !isCrd(object))];
}

function isEstablished(crd: V1CustomResourceDefinition): boolean {
  return (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
}

/**
 * Applies the install set plus Portico's own CRDs, as the chart does (CRDs concurrently: they are
 * independent), then waits until every CRD is Established.
 */
export async function installGatewayApiCrds(kubeConfig: KubeConfig, timeoutMs = 60_000, dir = GATEWAY_API_CRDS_DIR): Promise<void> {
  const objects = [...loadPorticoCrds(), ...loadGatewayApiInstall(dir)] as { kind: string; metadata: { name: string } }[];
  const crds = objects.filter((object) => object.kind === 'CustomResourceDefinition');
  await Promise.all(crds.map((crd) => applyObjects(kubeConfig, [crd])));
  await applyObjects(kubeConfig, objects.filter((object) => object.kind !== 'CustomResourceDefinition'));

  const deadline = Date.now() + timeoutMs;
  let pending = crds.map((crd) => crd.metadata.name);
  while (pending.length > 0) {
    const read = await Promise.all(pending.map((name) => kubeRequest(kubeConfig, 'GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`)));
    pending = pending.filter((_name, i) => !isEstablished(read[i]!.body as V1CustomResourceDefinition));
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`CRDs not Established after ${timeoutMs} ms: ${pending.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
