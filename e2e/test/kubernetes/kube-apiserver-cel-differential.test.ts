/**
 * Portico's loader against a real kube-apiserver (v1.7.0 CRDs) on every Gateway API document of the
 * translator goldens and examples/: both must accept the same documents, and for a document the CRDs'
 * CEL rules refuse, the API server's error must include Portico's (field and message). The goldens hold
 * many objects only older CRDs admit (duplicate listeners, mixed parentRefs, …), so both verdicts occur.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { parseResources, ResourceLoadError } from '@portico/resources';
import { repoRoot } from '../../cluster/repo-root.js';
import { kubeRequest } from '../support/kube/kube-apply.js';
import { describeWithKube, startKubeApiServer, type KubeApiServer } from '../support/kube/kube-apiserver.js';
import { installGatewayApiCrds } from '../support/kube/kube-crds.js';

/** The rules under test are v1.7.0's, whatever release the chart ships. */
const V1_7_CRDS = join(repoRoot(), '../shared/crds/gateway-api-v1.7.0/experimental');

const PLURALS: Record<string, string> = {
  Gateway: 'gateways',
  GatewayClass: 'gatewayclasses',
  HTTPRoute: 'httproutes',
  GRPCRoute: 'grpcroutes',
  TLSRoute: 'tlsroutes',
  TCPRoute: 'tcproutes',
  UDPRoute: 'udproutes',
  ReferenceGrant: 'referencegrants',
  BackendTLSPolicy: 'backendtlspolicies',
  ListenerSet: 'listenersets',
  BackendPolicy: 'backendpolicies',
};
/** Gateway API's group and Portico's own (gateway.portico.dev, whose CRDs the chart ships too). */
const GROUPS = ['gateway.networking.k8s.io/', 'gateway.portico.dev/'];
const CLUSTER_SCOPED = new Set(['GatewayClass']);

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

function gatewayApiDocuments(): { where: string; doc: Doc }[] {
  const root = repoRoot();
  const files = [
    ...readdirSync(join(root, 'testdata/translator')).filter((f) => f.endsWith('.in.yaml')).map((f) => join(root, 'testdata/translator', f)),
    ...readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.yaml')).map((f) => join(root, 'examples', f)),
  ];
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(file, 'utf8'))
      .map((d, i) => ({ where: `${file.slice(root.length + 1)} document ${i + 1}`, doc: d.toJS() as Doc }))
      .filter(({ doc }) => doc && typeof doc.apiVersion === 'string' && GROUPS.some((g) => doc.apiVersion.startsWith(g)) && doc.kind in PLURALS),
  );
}

/** Portico's verdict: undefined when it loads, else the error's `field: detail`. */
function porticoVerdict(doc: Doc): string | undefined {
  try {
    parseResources(stringify(doc), 'doc.yaml');
    return undefined;
  } catch (err) {
    if (!(err instanceof ResourceLoadError)) throw err;
    return `${err.path}: ${err.detail}`;
  }
}

describeWithKube('Portico and kube-apiserver agree on the CRDs\' CEL rules', () => {
  const documents = gatewayApiDocuments();
  const namespaces = [...new Set(documents.map(({ doc }) => doc.metadata.namespace ?? 'default'))].filter((ns) => ns !== 'default');
  let kube: KubeApiServer;

  beforeAll(async () => {
    kube = await startKubeApiServer({ namespaces });
    await installGatewayApiCrds(kube.kubeConfig, 60_000, V1_7_CRDS);
  }, 120_000);

  afterAll(async () => {
    await kube?.stop();
  });

  it('on every Gateway API document of the translator goldens and examples/', async () => {
    expect(documents.length).toBeGreaterThan(300);
    const disagreements: string[] = [];
    let refusedByCel = 0;
    let refusedByBoth = 0;
    for (const { where, doc } of documents) {
      const ns = CLUSTER_SCOPED.has(doc.kind) ? '' : `/namespaces/${doc.metadata.namespace ?? 'default'}`;
      const { status, body } = await kubeRequest(kube.kubeConfig, 'POST', `/apis/${doc.apiVersion}${ns}/${PLURALS[doc.kind]}?dryRun=All`, doc);
      const theirs = status === 201 ? undefined : String((body as { message?: string }).message);
      const ours = porticoVerdict(doc);
      if (ours !== undefined && theirs !== undefined && /Invalid value|Forbidden|Required value|Duplicate value/.test(ours)) refusedByCel++;
      if (ours !== undefined && theirs !== undefined) refusedByBoth++;
      if ((ours === undefined) !== (theirs === undefined)) disagreements.push(`${where}: Portico ${ours ?? 'accepts'}; kube-apiserver ${theirs ?? 'accepts'}`);
      else if (ours !== undefined && theirs !== undefined && /^[^:]+: (Invalid value|Forbidden|Required value|Duplicate value)/.test(ours) && !theirs.includes(ours)) {
        disagreements.push(`${where}: Portico says ${ours}; kube-apiserver says ${theirs}`);
      }
    }
    // The figures the closing notes quote: how many documents, how many both refuse, how many of those by a CEL rule.
    console.log(
      `CEL differential: ${documents.length} documents, ${documents.length - refusedByBoth - disagreements.length} accepted by both, ` +
        `${refusedByBoth} refused by both (${refusedByCel} by a CEL rule, same field and message), ${disagreements.length} disagreements`,
    );
    expect(disagreements).toEqual([]);
    expect(refusedByCel).toBeGreaterThan(10);
  }, 120_000);
});
