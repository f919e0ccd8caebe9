/**
 * The Helm chart (charts/portico): its CRDs are exactly ../shared/crds (v1.7.0, experimental channel),
 * the release of the file provider's schemas and of the READMEs, it lints, and what it renders is what
 * the code needs — the Deployment runs `portico serve --kubernetes`
 * with the xDS certificates certgen writes, the ClusterRole grants exactly the watched kinds
 * (WATCH_TARGETS, the provider's own list) and the status of the reported ones, nothing with `*`, and
 * the Roles and the certgen hook are scoped as the values say. Against a real API server, the rendered
 * RBAC is applied and checked with SubjectAccessReviews, certgen runs as its own ServiceAccount, and
 * with envoy.namespaceMode=Gateway the infrastructure manager runs as Portico's, creating each Gateway's
 * Envoy workloads in the Gateway's namespace.
 * Needs HELM_BIN (scripts/install-kube-tools.sh); the API server part also ETCD_BIN and KUBE_APISERVER_BIN.
 */
import { jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { X509Certificate } from 'node:crypto';
import { AppsV1Api, CoreV1Api, KubeConfig, type V1ObjectMeta } from '@kubernetes/client-node';
import { gatewayApiSchemaFile, ResourceSet, type Gateway, type Resource } from '@portico/resources';
import { translate } from '@portico/translator';
import { main } from '@portico/cli';
import type { DesiredStatus } from '@portico/provider';
import { WATCH_TARGETS } from '@portico/provider';
import {
  CA_KEY_SECRET,
  CA_SECRET,
  CLIENT_SECRET,
  envoyResourceName,
  runCertgen,
  SERVER_SECRET,
  serverNames,
  type ManagedGateway,
  type ManagedKind,
} from '@portico/server';
import { createInfrastructureManager, createSecretStore, MANAGED_KINDS } from '@portico/server/kubernetes';
import { parseAllDocuments } from 'yaml';
import { kubeRequest } from '../support/kube/kube-apply.js';
import { describeWithKube, kubeBinaries, startKubeApiServer, type KubeApiServer } from '../support/kube/kube-apiserver.js';

jest.setTimeout(120_000);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CHART = join(ROOT, 'charts/portico');
const SHARED_CRDS = resolve(ROOT, '../shared/crds/gateway-api-v1.7.0/experimental');

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs?: string[];
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  rules?: Rule[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
  spec?: any;
}

/** The kinds whose status Portico writes (DesiredStatus['kind']); the type check below keeps the list complete. */
const STATUS_KINDS = ['GatewayClass', 'Gateway', 'ListenerSet', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'BackendTLSPolicy', 'XBackendTrafficPolicy', 'SecurityPolicy', 'BackendPolicy', 'XTelemetryPolicy', 'AccessLogPolicy', 'RateLimitPolicy', 'Ingress'] as const;
const statusKindsComplete: Exclude<DesiredStatus['kind'], (typeof STATUS_KINDS)[number]> extends never ? true : false = true;
/** The Envoy workload kinds of the infrastructure manager (MANAGED_KINDS), as RBAC names them. */
const WORKLOAD_RESOURCES: Record<ManagedKind, string> = { ServiceAccount: '|serviceaccounts', ConfigMap: '|configmaps', Secret: '|secrets', Service: '|services', Deployment: 'apps|deployments' };
const WORKLOAD_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update'];
const CERTGEN_SECRETS = [CA_SECRET, CA_KEY_SECRET, SERVER_SECRET, CLIENT_SECRET];

/** `group|resource|verb` for every grant of the rules (resourceNames listed after a `@`). */
function grants(rules: Rule[] = []): string[] {
  const out = rules.flatMap((rule) =>
    (rule.apiGroups ?? []).flatMap((group) =>
      (rule.resources ?? []).flatMap((resource) => (rule.verbs ?? []).map((verb) => `${group}|${resource}|${verb}${rule.resourceNames ? `@${[...rule.resourceNames].sort().join(',')}` : ''}`)),
    ),
  );
  return [...new Set(out)].sort();
}

function expectedClusterRoleGrants(options: { secrets: boolean }): string[] {
  const read = WATCH_TARGETS.filter((t) => options.secrets || t.kind !== 'Secret').flatMap((t) => ['get', 'list', 'watch'].map((verb) => `${t.group}|${t.plural}|${verb}`));
  const status = STATUS_KINDS.flatMap((kind) => {
    const target = WATCH_TARGETS.find((t) => t.kind === kind)!;
    return ['update', 'patch'].map((verb) => `${target.group}|${target.plural}/status|${verb}`);
  });
  return [...new Set([...read, ...status])].sort();
}

const helmHome = mkdtempSync(join(tmpdir(), 'portico-helm-'));
afterAll(() => rmSync(helmHome, { recursive: true, force: true }));

function helm(args: string[]): string {
  const env = { ...process.env, HELM_CACHE_HOME: join(helmHome, 'cache'), HELM_CONFIG_HOME: join(helmHome, 'config'), HELM_DATA_HOME: join(helmHome, 'data') };
  const result = spawnSync(kubeBinaries.helm!, args, { encoding: 'utf8', env });
  if (result.status !== 0) throw new Error(`helm ${args.join(' ')} failed (${result.status}):\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

function render(release: string, namespace: string, values: string[] = []): K8sObject[] {
  const text = helm(['template', release, CHART, '--namespace', namespace, ...values.flatMap((v) => ['--set', v])]);
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

function find(objects: K8sObject[], kind: string, name: string, namespace?: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  if (!found) throw new Error(`no ${kind} ${namespace ? `${namespace}/` : ''}${name} in: ${objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`).join(', ')}`);
  return found;
}

/**
 * What `portico serve` says about the options of `args` (`serve …`): '' when it knows every one. With
 * `--help` it parses the options strictly and stops there, so nothing starts.
 */
async function unknownServeOptions(args: string[]): Promise<string> {
  let stderr = '';
  const io = { stdout: { write: () => true }, stderr: { write: (chunk: string) => (stderr += chunk) }, readStdin: () => Promise.resolve('') };
  const code = await main([...args, '--help'], io);
  return code === 0 ? '' : stderr;
}

const RBAC_KINDS = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);
/** Portico's own policy CRDs (gateway.portico.dev) sit next to the Gateway API ones in the chart. */
const OWN_CRD_PREFIX = 'gateway.portico.dev_';
const gatewayApiCrdFiles = () => readdirSync(join(CHART, 'crds')).filter((f) => !f.startsWith(OWN_CRD_PREFIX));

describe('the chart CRDs', () => {
  it('are the CRD files of the experimental channel in ../shared/crds, byte for byte', () => {
    const kustomization = readFileSync(join(SHARED_CRDS, 'kustomization.yaml'), 'utf8');
    const channel = [...kustomization.matchAll(/^- (\S+\.yaml)$/gm)].map((m) => m[1]!);
    // The admission policy is not a CRD: it stays the cluster admin's choice.
    const expected = channel.filter((file) => !file.includes('vap_')).sort();
    expect(gatewayApiCrdFiles().sort()).toEqual(expected);
    for (const file of expected) expect(readFileSync(join(CHART, 'crds', file), 'utf8')).toBe(readFileSync(join(SHARED_CRDS, file), 'utf8'));
    expect(expected).toEqual(expect.arrayContaining(['gateway.networking.k8s.io_tlsroutes.yaml', 'gateway.networking.k8s.io_tcproutes.yaml', 'gateway.networking.k8s.io_udproutes.yaml']));
  });

  it('are the release the file provider validates against (schemas/gateway-api.json) and the README names', () => {
    const { bundleVersion, channel } = gatewayApiSchemaFile();
    for (const file of gatewayApiCrdFiles()) {
      const crd = parseAllDocuments(readFileSync(join(CHART, 'crds', file), 'utf8'))[0]!.toJS() as K8sObject;
      expect({ file, version: crd.metadata.annotations?.['gateway.networking.k8s.io/bundle-version'], channel: crd.metadata.annotations?.['gateway.networking.k8s.io/channel'] }).toEqual({ file, version: bundleVersion, channel });
    }
    expect(readFileSync(join(CHART, 'README.md'), 'utf8')).toContain(`Gateway API ${bundleVersion} CRDs`);
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(`Gateway API ${bundleVersion} CRDs`);
  });

  it('include our own policy CRDs: one per gateway.portico.dev kind Portico watches, namespaced, with a status subresource, in the file provider schemas', () => {
    const own = readdirSync(join(CHART, 'crds')).filter((f) => f.startsWith(OWN_CRD_PREFIX)).sort();
    const crds = own.map((file) => parseAllDocuments(readFileSync(join(CHART, 'crds', file), 'utf8'))[0]!.toJS() as K8sObject);
    const described = crds.map((crd, i) => ({ file: own[i], group: crd.spec.group, kind: crd.spec.names.kind, scope: crd.spec.scope, status: crd.spec.versions.map((v: { subresources?: { status?: object } }) => v.subresources?.status !== undefined) }));
    const watched = WATCH_TARGETS.filter((t) => t.group === 'gateway.portico.dev');
    expect(described).toEqual(watched.map((t) => ({ file: `${OWN_CRD_PREFIX}${t.plural}.yaml`, group: 'gateway.portico.dev', kind: t.kind, scope: 'Namespaced', status: t.versions.map(() => true) })).sort((a, b) => (a.file < b.file ? -1 : 1)));
    for (const t of watched) for (const v of t.versions) expect(gatewayApiSchemaFile().schemas[`${t.kind}/${v}`]).toBeDefined();
  });

  it('say appVersion = the package version', () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')).toMatch(new RegExp(`^appVersion: "${version.replace(/\./g, '\\.')}"$`, 'm'));
    expect(statusKindsComplete).toBe(true);
  });
});

const describeWithHelm = kubeBinaries.helm ? describe : describe.skip;

describeWithHelm('helm lint and helm template', () => {
  let defaults: K8sObject[];
  let tuned: K8sObject[];
  beforeAll(() => {
    defaults = render('portico', 'portico-system');
    tuned = render('portico', 'portico-system', ['replicas=3', 'xds.service.type=ClusterIP', 'envoy.serviceType=ClusterIP', 'rbac.secretNamespaces={team-a,team-b}', 'envoy.namespace=edge', 'envoy.addressWaitSeconds=90']);
  });

  it('lints strictly', () => {
    expect(helm(['lint', '--strict', CHART])).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('runs portico serve --kubernetes with the certificates certgen writes, arguments serve accepts', async () => {
    const deployment = find(defaults, 'Deployment', 'portico', 'portico-system');
    expect(deployment.spec.replicas).toBe(2);
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    const args: string[] = container.args;
    expect(args.slice(0, 2)).toEqual(['serve', '--kubernetes']);
    expect(args).toEqual(
      expect.arrayContaining([
        '--xds-tls-cert=/etc/portico/xds-tls/tls.crt',
        '--xds-tls-key=/etc/portico/xds-tls/tls.key',
        '--xds-tls-ca=/etc/portico/xds-tls/ca.crt',
        // /debug on loopback; the probes and /metrics on the pod IP, on a port of their own.
        '--admin-address=127.0.0.1:19000',
        '--metrics-address=0.0.0.0:19100',
        '--envoy-namespace=portico-system',
        '--envoy-xds-address=portico.portico-system.svc:18000',
      ]),
    );
    expect(container.volumeMounts).toContainEqual({ name: 'xds-tls', mountPath: '/etc/portico/xds-tls', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'xds-tls', secret: { secretName: SERVER_SECRET, defaultMode: 0o440 } });
    expect(pod.serviceAccountName).toBe('portico');
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(container.ports).toEqual([
      { name: 'xds', containerPort: 18000, protocol: 'TCP' },
      { name: 'metrics', containerPort: 19100, protocol: 'TCP' },
    ]);
    expect(args.some((a) => a.startsWith('--admin-allowed-hosts'))).toBe(false);
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    expect(container.env.map((e: { name: string }) => e.name)).toEqual(['POD_NAME', 'POD_NAMESPACE']);
    // The chart and the CLI agree: every flag rendered is one `portico serve` takes.
    expect(await unknownServeOptions(args)).toBe('');
    expect(find(defaults, 'PodDisruptionBudget', 'portico').spec.minAvailable).toBe(1);
  });

  it('gives each Gateway its own xDS client certificate by default, the shared one only in compatibility mode', async () => {
    // No shared Secret named: serve then issues each Gateway's certificate from the CA it may read.
    const args: string[] = find(defaults, 'Deployment', 'portico').spec.template.spec.containers[0].args;
    expect(args.filter((arg) => arg.startsWith('--envoy-tls-secret') || arg.startsWith('--xds-allow-shared'))).toEqual([]);
    expect(grants(find(defaults, 'Role', 'portico-xds-ca-key', 'portico-system').rules)).toEqual([`|secrets|get@${CA_KEY_SECRET}`]);
    expect(find(defaults, 'RoleBinding', 'portico-xds-ca-key', 'portico-system').subjects).toEqual([{ kind: 'ServiceAccount', name: 'portico', namespace: 'portico-system' }]);
    const compat = render('portico', 'portico-system', ['xds.allowSharedClientCertificate=true']);
    const compatArgs: string[] = find(compat, 'Deployment', 'portico').spec.template.spec.containers[0].args;
    expect(compatArgs).toEqual(expect.arrayContaining([`--envoy-tls-secret=${CLIENT_SECRET}`, '--xds-allow-shared-client-certificate']));
    expect(await unknownServeOptions(compatArgs)).toBe('');
  });

  it('rateLimit.enabled: the ratelimit container beside Portico reads the config serve writes into their shared volume; Redis and the Services', async () => {
    expect(defaults.filter((o) => o.metadata.name.includes('ratelimit') || o.metadata.name.includes('redis'))).toEqual([]);
    const defaultPod = find(defaults, 'Deployment', 'portico').spec.template.spec;
    expect(defaultPod.containers.map((c: { name: string }) => c.name)).toEqual(['portico']);
    expect(defaultPod.initContainers).toBeUndefined();
    const objects = render('portico', 'portico-system', ['rateLimit.enabled=true', 'rateLimit.failClosed=true']);
    const pod = find(objects, 'Deployment', 'portico').spec.template.spec;
    const [portico, ratelimit] = pod.containers;
    const args: string[] = portico.args;
    expect(args.filter((a) => a.startsWith('--rate-limit'))).toEqual([
      '--rate-limit-service=portico-ratelimit.portico-system.svc:8081',
      '--rate-limit-timeout-ms=100',
      '--rate-limit-config-dir=/var/run/portico/ratelimit/portico/config',
      '--rate-limit-fail-closed',
    ]);
    expect(await unknownServeOptions(args)).toBe('');
    // What serve writes (--rate-limit-config-dir) is the service's RUNTIME_ROOT/RUNTIME_SUBDIRECTORY/config, on the same volume.
    const env = Object.fromEntries(ratelimit.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(`${env.RUNTIME_ROOT}/${env.RUNTIME_SUBDIRECTORY}/config`).toBe('/var/run/portico/ratelimit/portico/config');
    expect(env).toMatchObject({ RUNTIME_WATCH_ROOT: 'false', RUNTIME_IGNOREDOTFILES: 'true', REDIS_URL: 'portico-redis.portico-system.svc:6379', GRPC_PORT: '8081', USE_STATSD: 'false' });
    expect(ratelimit.image).toBe('docker.io/envoyproxy/ratelimit:3fb70258');
    expect(portico.volumeMounts).toContainEqual({ name: 'ratelimit-config', mountPath: '/var/run/portico/ratelimit' });
    expect(ratelimit.volumeMounts).toEqual([{ name: 'ratelimit-config', mountPath: '/var/run/portico/ratelimit', readOnly: true }]);
    expect(pod.initContainers[0].command).toEqual(['mkdir', '-p', '/var/run/portico/ratelimit/portico/config']);
    expect(pod.volumes).toContainEqual({ name: 'ratelimit-config', emptyDir: {} });
    const service = find(objects, 'Service', 'portico-ratelimit', 'portico-system');
    expect(service.spec.ports).toEqual([{ name: 'grpc', port: 8081, targetPort: 'ratelimit-grpc', protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' }]);
    expect(service.spec.selector).toEqual(find(objects, 'Deployment', 'portico').spec.selector.matchLabels);
    const redis = find(objects, 'Deployment', 'portico-redis', 'portico-system');
    expect(find(objects, 'Service', 'portico-redis', 'portico-system').spec.selector).toEqual(redis.spec.selector.matchLabels);
    // Redis' pods are not Portico's: the control-plane Services and the PodDisruptionBudget never select them.
    expect(redis.spec.template.metadata.labels['app.kubernetes.io/component']).toBe('ratelimit-redis');
    helm(['lint', '--strict', CHART, '--set', 'rateLimit.enabled=true']);
    // An operator's own Redis: none is deployed.
    const own = render('portico', 'portico-system', ['rateLimit.enabled=true', 'rateLimit.redis.url=redis.shared:6379']);
    expect(own.filter((o) => o.metadata.name === 'portico-redis')).toEqual([]);
    const ownEnv = find(own, 'Deployment', 'portico').spec.template.spec.containers[1].env;
    expect(ownEnv).toContainEqual({ name: 'REDIS_URL', value: 'redis.shared:6379' });
  });

  it('refuses ExternalName Services unless allowExternalNameServices, which serve then takes', async () => {
    const args: string[] = find(defaults, 'Deployment', 'portico').spec.template.spec.containers[0].args;
    expect(args.filter((arg) => arg.includes('external-name'))).toEqual([]);
    const allowed = render('portico', 'portico-system', ['allowExternalNameServices=true']);
    const allowedArgs: string[] = find(allowed, 'Deployment', 'portico').spec.template.spec.containers[0].args;
    expect(allowedArgs.filter((arg) => arg.includes('external-name'))).toEqual(['--allow-external-name-services']);
    expect(await unknownServeOptions(allowedArgs)).toBe('');
  });

  it('exposes xDS on 18000 and metrics on 19100 with scrape annotations; the GatewayClass and IngressClass', () => {
    expect(find(defaults, 'Service', 'portico').spec).toMatchObject({ type: 'ClusterIP', ports: [{ name: 'xds', port: 18000, targetPort: 'xds', protocol: 'TCP' }] });
    const metrics = find(defaults, 'Service', 'portico-metrics');
    expect(metrics.spec.ports).toEqual([{ name: 'metrics', port: 19100, targetPort: 'metrics', protocol: 'TCP' }]);
    expect(metrics.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '19100', 'prometheus.io/path': '/metrics' });
    expect(find(defaults, 'GatewayClass', 'portico').spec.controllerName).toBe('portico.dev/gateway-controller');
    expect(find(defaults, 'IngressClass', 'portico').spec.controller).toBe('portico.dev/ingress-controller');
    expect(find(defaults, 'IngressClass', 'portico').metadata.annotations).toBeUndefined();
    const asDefault = render('portico', 'portico-system', ['ingressClass.default=true']);
    expect(find(asDefault, 'IngressClass', 'portico').metadata.annotations).toEqual({ 'ingressclass.kubernetes.io/is-default-class': 'true' });
  });

  it('grants the ClusterRole exactly the watched kinds and the status of the reported ones, without wildcards', () => {
    const clusterRole = find(defaults, 'ClusterRole', 'portico');
    expect(grants(clusterRole.rules)).toEqual(expectedClusterRoleGrants({ secrets: true }));
    expect(find(defaults, 'ClusterRoleBinding', 'portico').subjects).toEqual([{ kind: 'ServiceAccount', name: 'portico', namespace: 'portico-system' }]);
    for (const objects of [defaults, tuned]) {
      for (const role of objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole')) {
        expect(JSON.stringify(role.rules)).not.toContain('*');
      }
    }
  });

  it('holds the Lease in the release namespace and the Envoy workloads in the Envoy namespace, by Roles', () => {
    expect(grants(find(defaults, 'Role', 'portico-leader-election', 'portico-system').rules)).toEqual(['coordination.k8s.io|leases|create', 'coordination.k8s.io|leases|get', 'coordination.k8s.io|leases|update']);
    const workloads = MANAGED_KINDS.flatMap((kind) => WORKLOAD_VERBS.map((verb) => `${WORKLOAD_RESOURCES[kind]}|${verb}`)).sort();
    expect(grants(find(defaults, 'Role', 'portico-envoy-workloads', 'portico-system').rules)).toEqual(workloads);
    expect(grants(find(tuned, 'Role', 'portico-envoy-workloads', 'edge').rules)).toEqual(workloads);
    expect(find(tuned, 'RoleBinding', 'portico-envoy-workloads', 'edge').subjects).toEqual([{ kind: 'ServiceAccount', name: 'portico', namespace: 'portico-system' }]);
  });

  it('envoy.namespaceMode=Gateway: serve without --envoy-namespace, the same workload grants by a ClusterRole instead of the Role', async () => {
    const gatewayMode = render('portico', 'portico-system', ['envoy.namespaceMode=Gateway']);
    const args: string[] = find(gatewayMode, 'Deployment', 'portico').spec.template.spec.containers[0].args;
    expect(args.filter((arg) => arg.startsWith('--envoy-namespace'))).toEqual([]);
    // Envoys in any namespace dial the xDS Service by its namespaced name, a name in the server certificate.
    expect(args).toContain('--envoy-xds-address=portico.portico-system.svc:18000');
    expect(await unknownServeOptions(args)).toBe('');
    const workloads = MANAGED_KINDS.flatMap((kind) => WORKLOAD_VERBS.map((verb) => `${WORKLOAD_RESOURCES[kind]}|${verb}`)).sort();
    expect(grants(find(gatewayMode, 'ClusterRole', 'portico-envoy-workloads').rules)).toEqual(workloads);
    expect(find(gatewayMode, 'ClusterRoleBinding', 'portico-envoy-workloads').roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'portico-envoy-workloads' });
    expect(find(gatewayMode, 'ClusterRoleBinding', 'portico-envoy-workloads').subjects).toEqual([{ kind: 'ServiceAccount', name: 'portico', namespace: 'portico-system' }]);
    expect(gatewayMode.some((o) => o.kind === 'Role' && o.metadata.name === 'portico-envoy-workloads')).toBe(false);
    // The rest of the RBAC is the default's.
    expect(grants(find(gatewayMode, 'ClusterRole', 'portico').rules)).toEqual(expectedClusterRoleGrants({ secrets: true }));
    expect(grants(find(gatewayMode, 'Role', 'portico-xds-ca-key', 'portico-system').rules)).toEqual([`|secrets|get@${CA_KEY_SECRET}`]);
    // Release mode (the default) renders no ClusterRole for workloads.
    expect(defaults.some((o) => o.metadata.name === 'portico-envoy-workloads' && o.kind.startsWith('Cluster'))).toBe(false);
  });

  it('envoy.namespaceMode=Gateway refuses values it cannot honour', () => {
    const fails = (values: string[]) => () => render('portico', 'portico-system', ['envoy.namespaceMode=Gateway', ...values]);
    expect(fails(['envoy.namespace=edge'])).toThrow(/leave envoy.namespace empty/);
    expect(fails(['xds.allowSharedClientCertificate=true'])).toThrow(/client certificate per Gateway/);
    expect(fails(['rbac.secretNamespaces={team-a}'])).toThrow(/rbac.secretNamespaces/);
    expect(() => render('portico', 'portico-system', ['envoy.namespaceMode=Cluster'])).toThrow(/must be Release or Gateway/);
  });

  it('runs certgen as a pre-install/pre-upgrade hook with its own ServiceAccount, limited to its Secrets', () => {
    const job = find(defaults, 'Job', 'portico-certgen-hook', 'portico-system');
    expect(job.metadata.annotations).toEqual({ 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded', 'helm.sh/hook-weight': '0' });
    const pod = job.spec.template.spec;
    expect(pod.serviceAccountName).toBe('portico-certgen-hook');
    expect(pod.containers[0].args).toEqual(['certgen', '--kubernetes', '--namespace=portico-system', '--envoy-namespace=portico-system', '--service=portico', '--cluster-domain=cluster.local', '--log-level=info']);
    for (const kind of ['ServiceAccount', 'Role', 'RoleBinding']) {
      // Created before the Job (lower weight), gone with it.
      expect(find(defaults, kind, 'portico-certgen-hook', 'portico-system').metadata.annotations).toMatchObject({ 'helm.sh/hook': 'pre-install,pre-upgrade', 'helm.sh/hook-weight': '-10' });
    }
    const names = [...CERTGEN_SECRETS].sort().join(',');
    expect(grants(find(defaults, 'Role', 'portico-certgen-hook', 'portico-system').rules)).toEqual(['|secrets|create', `|secrets|get@${names}`, `|secrets|update@${names}`]);
    // The client Secret goes where the Envoys run: certgen may write it there too.
    expect(grants(find(tuned, 'Role', 'portico-certgen-hook', 'edge').rules)).toEqual(['|secrets|create', `|secrets|get@${names}`, `|secrets|update@${names}`]);
    expect(find(tuned, 'Job', 'portico-certgen-hook').spec.template.spec.containers[0].args).toContain('--envoy-namespace=edge');
    expect(find(defaults, 'CronJob', 'portico-certgen').spec.jobTemplate.spec.template.spec.serviceAccountName).toBe('portico-certgen');
    // certgen's pods are never taken for Portico's own: not in the Deployment's selector.
    const selector = find(defaults, 'Deployment', 'portico').spec.selector.matchLabels as Record<string, string>;
    const certgenLabels = job.spec.template.metadata.labels as Record<string, string>;
    expect(Object.entries(selector).every(([key, value]) => certgenLabels[key] === value)).toBe(false);
  });

  it('renders replicas, Service types and namespace-limited Secrets as set', () => {
    const deployment = find(tuned, 'Deployment', 'portico');
    expect(deployment.spec.replicas).toBe(3);
    const args: string[] = deployment.spec.template.spec.containers[0].args;
    expect(args).toEqual(expect.arrayContaining(['--envoy-service-type=ClusterIP', '--envoy-namespace=edge', '--envoy-replicas=1', '--envoy-address-wait=90']));
    expect(find(tuned, 'Service', 'portico').spec.type).toBe('ClusterIP');
    expect(grants(find(tuned, 'ClusterRole', 'portico').rules)).toEqual(expectedClusterRoleGrants({ secrets: false }));
    for (const namespace of ['team-a', 'team-b']) {
      expect(grants(find(tuned, 'Role', 'portico-secrets', namespace).rules)).toEqual(['|secrets|get', '|secrets|list', '|secrets|watch']);
      expect(find(tuned, 'RoleBinding', 'portico-secrets', namespace).subjects).toEqual([{ kind: 'ServiceAccount', name: 'portico', namespace: 'portico-system' }]);
    }
  });

  it('namespace-limited Secrets: serve is told to watch Secrets in the listed namespaces only (--secret-namespaces)', async () => {
    // With Secrets readable only there, a cluster-wide Secret watch is forbidden: the provider must watch
    // each listed namespace instead, or it never syncs.
    const args: string[] = find(tuned, 'Deployment', 'portico').spec.template.spec.containers[0].args;
    expect(args).toContain('--secret-namespaces=team-a,team-b');
    expect(await unknownServeOptions(args)).toBe('');
  });

  it('exposes /debug on the pod IP only when asked, and passes the allowed Host names', async () => {
    const exposed = render('portico', 'portico-system', ['admin.exposeDebug=true', 'admin.allowedHosts={portico-metrics.portico-system.svc,portico.example}']);
    const container = find(exposed, 'Deployment', 'portico').spec.template.spec.containers[0];
    expect(container.args).toEqual(
      expect.arrayContaining(['--admin-address=0.0.0.0:19000', '--metrics-address=0.0.0.0:19100', '--admin-allowed-hosts=portico-metrics.portico-system.svc,portico.example']),
    );
    expect(container.ports.map((p: { name: string }) => p.name)).toEqual(['xds', 'metrics', 'admin']);
    // The probes stay on the metrics port, which never serves /debug.
    expect(container.readinessProbe.httpGet.port).toBe('metrics');
    expect(await unknownServeOptions(container.args)).toBe('');
    const noService = render('portico', 'portico-system', ['metrics.service.enabled=false']);
    expect(noService.some((o) => o.kind === 'Service' && o.metadata.name === 'portico-metrics')).toBe(false);
  });
});

const describeWithKubeAndHelm = kubeBinaries.helm ? describeWithKube : describe.skip;

describeWithKubeAndHelm('the rendered RBAC on a real API server', () => {
  let server: KubeApiServer;
  const limitedNamespace = 'limited-system';
  const perGatewayNamespace = 'per-gateway-system';

  beforeAll(async () => {
    server = await startKubeApiServer({ namespaces: ['portico-system', limitedNamespace, perGatewayNamespace, 'team-a', 'other'] });
    const rbac = (objects: K8sObject[]) => objects.filter((o) => RBAC_KINDS.has(o.kind));
    // Two releases side by side: the default one, and one whose Secrets access is limited to team-a.
    await server.apply([
      ...rbac(render('portico', 'portico-system')),
      ...rbac(render('limited', limitedNamespace, ['rbac.secretNamespaces={team-a}'])),
      ...rbac(render('per-gateway', perGatewayNamespace, ['envoy.namespaceMode=Gateway'])),
    ]);
  });
  afterAll(() => server?.stop());

  /** SubjectAccessReview for a ServiceAccount, as the API server's authorizer answers it. */
  async function allowed(serviceAccount: string, attributes: { verb: string; group?: string; resource: string; subresource?: string; namespace?: string; name?: string }): Promise<boolean> {
    const [namespace, name] = serviceAccount.split('/') as [string, string];
    const review = {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: `system:serviceaccount:${namespace}:${name}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
        resourceAttributes: { group: '', ...attributes },
      },
    };
    const response = await kubeRequest(server.kubeConfig, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', review);
    expect(response.status).toBe(201);
    return (response.body as { status: { allowed: boolean } }).status.allowed;
  }

  it('lets Portico list routes and write their status, never delete them', async () => {
    const portico = 'portico-system/portico';
    const routes = { group: 'gateway.networking.k8s.io', resource: 'httproutes' };
    expect(await allowed(portico, { verb: 'list', ...routes })).toBe(true);
    expect(await allowed(portico, { verb: 'watch', ...routes, namespace: 'other' })).toBe(true);
    expect(await allowed(portico, { verb: 'update', ...routes, subresource: 'status', namespace: 'other', name: 'web' })).toBe(true);
    expect(await allowed(portico, { verb: 'delete', ...routes, namespace: 'other', name: 'web' })).toBe(false);
    expect(await allowed(portico, { verb: 'update', ...routes, namespace: 'other', name: 'web' })).toBe(false);
    expect(await allowed(portico, { verb: 'list', resource: 'secrets' })).toBe(true);
    expect(await allowed(portico, { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: 'portico-system', name: 'portico-leader' })).toBe(true);
    expect(await allowed(portico, { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: 'other', name: 'portico-leader' })).toBe(false);
    expect(await allowed(portico, { verb: 'create', group: 'apps', resource: 'deployments', namespace: 'portico-system' })).toBe(true);
    expect(await allowed(portico, { verb: 'create', group: 'apps', resource: 'deployments', namespace: 'other' })).toBe(false);
    expect(await allowed(portico, { verb: 'create', resource: 'pods', namespace: 'portico-system' })).toBe(false);
    // Each Gateway's client-certificate Secret beside its Envoys, from the CA it may read and not write.
    expect(await allowed(portico, { verb: 'create', resource: 'secrets', namespace: 'portico-system' })).toBe(true);
    expect(await allowed(portico, { verb: 'create', resource: 'secrets', namespace: 'other' })).toBe(false);
    expect(await allowed(portico, { verb: 'get', resource: 'secrets', namespace: 'portico-system', name: CA_KEY_SECRET })).toBe(true);
  });

  it('lets a Secrets-limited Portico read the CA key it issues Envoy certificates with, in its own namespace only', async () => {
    const limited = `${limitedNamespace}/limited-portico`;
    expect(await allowed(limited, { verb: 'get', resource: 'secrets', namespace: limitedNamespace, name: CA_KEY_SECRET })).toBe(true);
    expect(await allowed(limited, { verb: 'get', resource: 'secrets', namespace: 'other', name: CA_KEY_SECRET })).toBe(false);
  });

  it('limits Secrets to the listed namespaces when asked', async () => {
    const limited = `${limitedNamespace}/limited-portico`;
    expect(await allowed(limited, { verb: 'list', resource: 'secrets' })).toBe(false);
    expect(await allowed(limited, { verb: 'get', resource: 'secrets', namespace: 'other', name: 'tls' })).toBe(false);
    expect(await allowed(limited, { verb: 'list', resource: 'secrets', namespace: 'team-a' })).toBe(true);
    expect(await allowed(limited, { verb: 'watch', resource: 'secrets', namespace: 'team-a' })).toBe(true);
    expect(await allowed(limited, { verb: 'list', group: 'gateway.networking.k8s.io', resource: 'httproutes' })).toBe(true);
  });

  it('envoy.namespaceMode=Gateway: Portico manages the Envoy workload kinds in any namespace, nothing else beyond the default', async () => {
    const portico = `${perGatewayNamespace}/per-gateway-portico`;
    for (const namespace of ['other', 'team-a']) {
      for (const [group, resource] of Object.values(WORKLOAD_RESOURCES).map((r) => r.split('|') as [string, string])) {
        for (const verb of WORKLOAD_VERBS) expect(await allowed(portico, { verb, group, resource, namespace, name: 'envoy-other-web-12345678' })).toBe(true);
      }
    }
    // The manager lists its objects across namespaces by label.
    expect(await allowed(portico, { verb: 'list', group: 'apps', resource: 'deployments' })).toBe(true);
    expect(await allowed(portico, { verb: 'list', resource: 'secrets' })).toBe(true);
    // No pods, no other workload kinds, no Leases outside its namespace, no deleting routes.
    expect(await allowed(portico, { verb: 'create', resource: 'pods', namespace: 'other' })).toBe(false);
    expect(await allowed(portico, { verb: 'create', group: 'apps', resource: 'daemonsets', namespace: 'other' })).toBe(false);
    expect(await allowed(portico, { verb: 'create', group: 'apps', resource: 'statefulsets', namespace: 'other' })).toBe(false);
    expect(await allowed(portico, { verb: 'watch', resource: 'secrets', namespace: 'other' })).toBe(true);
    expect(await allowed(portico, { verb: 'deletecollection', resource: 'secrets', namespace: 'other' })).toBe(false);
    expect(await allowed(portico, { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: 'other', name: 'portico-leader' })).toBe(false);
    expect(await allowed(portico, { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: perGatewayNamespace, name: 'portico-leader' })).toBe(true);
    expect(await allowed(portico, { verb: 'delete', group: 'gateway.networking.k8s.io', resource: 'httproutes', namespace: 'other', name: 'web' })).toBe(false);
    expect(await allowed(portico, { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace: 'other' })).toBe(false);
    // The CA key it issues client certificates with, in its own namespace.
    expect(await allowed(portico, { verb: 'get', resource: 'secrets', namespace: perGatewayNamespace, name: CA_KEY_SECRET })).toBe(true);
    // The default release still may not create workloads outside its namespace.
    expect(await allowed('portico-system/portico', { verb: 'create', group: 'apps', resource: 'deployments', namespace: 'other' })).toBe(false);
  });

  it("envoy.namespaceMode=Gateway is enough for Portico to run each Gateway's Envoy workloads in the Gateway's namespace, labelled as Gateway API looks for them", async () => {
    // certgen's CA in the release namespace (as its hook writes it), then the infrastructure manager
    // as Portico's ServiceAccount, with the options `serve` takes from the rendered arguments: no
    // --envoy-namespace, so no namespace; each Gateway's client certificate from that CA.
    await runCertgen({ store: createSecretStore({ kubeConfig: server.kubeConfig, namespace: perGatewayNamespace }), names: serverNames({ namespace: perGatewayNamespace, service: 'per-gateway-portico' }) });
    const args: string[] = find(render('per-gateway', perGatewayNamespace, ['envoy.namespaceMode=Gateway']), 'Deployment', 'per-gateway-portico').spec.template.spec.containers[0].args;
    expect(args.some((arg) => arg.startsWith('--envoy-namespace'))).toBe(false);
    const xdsAddress = args.find((arg) => arg.startsWith('--envoy-xds-address='))!.split('=')[1]!;
    expect(xdsAddress).toBe(`per-gateway-portico.${perGatewayNamespace}.svc:18000`);
    // The name every Envoy dials (and sends as SNI), from any namespace, is one the server certificate holds.
    const serverSecret = await server.kubeConfig.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: perGatewayNamespace, name: SERVER_SECRET });
    expect(new X509Certificate(Buffer.from(serverSecret.data!['tls.crt']!, 'base64')).subjectAltName).toContain(`DNS:per-gateway-portico.${perGatewayNamespace}.svc`);

    const gatewayClass: Resource = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } };
    // As tests/gateway-infrastructure.yaml of the Gateway API conformance suite.
    const infrastructure = { labels: { key2: 'value2' }, annotations: { key1: 'value1' } };
    const gateways = new Map<string, ManagedGateway>();
    for (const [namespace, name] of [['team-a', 'web'], ['other', 'api']] as const) {
      const gateway = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { namespace, name }, spec: { gatewayClassName: 'portico', infrastructure, listeners: [{ name: 'http', protocol: 'HTTP', port: 8080 }] } } as Gateway;
      const ir = translate(ResourceSet.from([gatewayClass, gateway])).gateways.get(`${namespace}/${name}`)!;
      gateways.set(`${namespace}/${name}`, { gateway, ir });
    }
    const problems: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string, f?: object) => problems.push(`${m} ${JSON.stringify(f)}`), error: (m: string, f?: object) => problems.push(`${m} ${JSON.stringify(f)}`) };
    const manager = createInfrastructureManager({
      kubeConfig: tokenKubeConfig(await serviceAccountToken(perGatewayNamespace, 'per-gateway-portico')),
      logger,
      options: { xdsAddress, clientCertificates: { caSecret: { namespace: perGatewayNamespace, name: CA_KEY_SECRET } } },
      retryDelayMs: { initial: 60_000, max: 60_000 },
    });
    const core = server.kubeConfig.makeApiClient(CoreV1Api);
    const apps = server.kubeConfig.makeApiClient(AppsV1Api);
    try {
      expect(await manager.reconcile(gateways)).toMatchObject({ result: 'success', applied: 10, failures: 0 });
      expect(problems).toEqual([]);
      const carriesInfrastructure = (metadata: V1ObjectMeta | undefined) => {
        expect(metadata?.labels).toMatchObject(infrastructure.labels);
        expect(metadata?.annotations).toMatchObject(infrastructure.annotations);
      };
      for (const [namespace, name] of [['team-a', 'web'], ['other', 'api']] as const) {
        // What GatewayInfrastructureMetadata lists: the Gateway's namespace, by gateway-name.
        const labelSelector = `gateway.networking.k8s.io/gateway-name=${name}`;
        const serviceAccounts = (await core.listNamespacedServiceAccount({ namespace, labelSelector })).items;
        const services = (await core.listNamespacedService({ namespace, labelSelector })).items;
        const deployments = (await apps.listNamespacedDeployment({ namespace, labelSelector })).items;
        expect([serviceAccounts.length, services.length, deployments.length]).toEqual([1, 1, 1]);
        carriesInfrastructure(serviceAccounts[0]!.metadata);
        carriesInfrastructure(services[0]!.metadata);
        // The pods get the template's labels and annotations.
        carriesInfrastructure(deployments[0]!.spec!.template.metadata);
        expect(deployments[0]!.spec!.template.metadata!.labels![`gateway.networking.k8s.io/gateway-name`]).toBe(name);
        // Its client certificate beside it, with its own identity, mounted by its pods.
        const resource = envoyResourceName(namespace, name);
        const secret = await core.readNamespacedSecret({ namespace, name: resource });
        expect(new X509Certificate(Buffer.from(secret.data!['tls.crt']!, 'base64')).subjectAltName).toBe(`URI:spiffe://portico/ns/${namespace}/gateway/${name}`);
        expect(deployments[0]!.spec!.template.spec!.volumes).toContainEqual({ name: 'xds-tls', secret: { secretName: resource, defaultMode: 0o440 } });
      }
      // Nothing of theirs in Portico's namespace.
      expect((await core.listNamespacedService({ namespace: perGatewayNamespace, labelSelector: 'app.kubernetes.io/managed-by=portico' })).items).toEqual([]);
      // A removed Gateway's objects go, in its namespace.
      expect(await manager.reconcile(new Map([...gateways].filter(([key]) => key === 'team-a/web')))).toMatchObject({ result: 'success', deleted: 5, failures: 0 });
      expect((await core.listNamespacedServiceAccount({ namespace: 'other', labelSelector: 'gateway.networking.k8s.io/gateway-name=api' })).items).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      manager.stop();
    }
  });

  function tokenKubeConfig(token: string): KubeConfig {
    const kubeConfig = new KubeConfig();
    const cluster = server.kubeConfig.getCurrentCluster()!;
    kubeConfig.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'service-account', token }],
      contexts: [{ name: 'service-account', cluster: cluster.name, user: 'service-account' }],
      currentContext: 'service-account',
    });
    return kubeConfig;
  }

  it('is enough for certgen to run as its hook ServiceAccount, and no more', async () => {
    const token = await serviceAccountToken('portico-system', 'portico-certgen-hook');
    const kubeConfig = new KubeConfig();
    const cluster = server.kubeConfig.getCurrentCluster()!;
    kubeConfig.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'certgen', token }],
      contexts: [{ name: 'certgen', cluster: cluster.name, user: 'certgen' }],
      currentContext: 'certgen',
    });
    const store = createSecretStore({ kubeConfig, namespace: 'portico-system' });
    const names = serverNames({ namespace: 'portico-system' });
    expect((await runCertgen({ store, names })).written.map((w) => w.action)).toEqual(['created', 'created', 'created', 'created']);
    expect((await runCertgen({ store, names })).written.map((w) => w.action)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);
    expect(await allowed('portico-system/portico-certgen-hook', { verb: 'get', resource: 'secrets', namespace: 'portico-system', name: 'someone-elses' })).toBe(false);
    expect(await allowed('portico-system/portico-certgen-hook', { verb: 'list', resource: 'secrets', namespace: 'portico-system' })).toBe(false);
  });

  async function serviceAccountToken(namespace: string, name: string): Promise<string> {
    const response = await kubeRequest(server.kubeConfig, 'POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 600 },
    });
    expect(response.status).toBe(201);
    return (response.body as { status: { token: string } }).status.token;
  }
});
