/**
 * `portico serve --kubernetes` end to end (issue 6, "Done means"): the real command as a child
 * process against a real kube-apiserver + etcd, with real gRPC backends and a real grpc-js-xds client.
 * One replica (its Lease to itself), Envoy workloads managed with ClusterIP Services:
 * - the Gateway is Programmed=False Pending (with its address already) while its Envoy Deployment has
 *   no available replica, and Programmed=True within seconds once the Deployment's status says one is;
 *   a restarted Portico keeps it Programmed (no Pending before it has listed the Deployments);
 * - the statuses it writes are the spec's, and the same as `portico translate --to gateway-api` prints
 *   for the same objects;
 * - each Gateway gets its Envoy ServiceAccount, ConfigMap, Deployment and Service, whose ports follow
 *   the listeners, and whose clusterIP becomes the Gateway's address;
 * - an EndpointSlice change reaches the xDS client through the endpoints fast path (no route translated);
 * - a ReferenceGrant grants and revokes a cross-namespace backend, in statuses and in xDS;
 * - an API server restart loses nothing, and what changed meanwhile gets its status;
 * - an IngressClass of ours keeps its Envoy Deployment and Service while it exists: its last Ingress
 *   deleted leaves them (same uid, same pod template), a TLS Ingress adds port 443 to the same
 *   Service, and deleting the class removes them;
 * - a deleted Gateway takes its Envoy workloads and its snapshot with it.
 * Leader election between replicas: kubernetes-serve-replicas.test.ts.
 *
 * Runs the compiled CLI (packages/cli/dist): `npm test` builds first; run `npx tsc -b` before running
 * this file alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { envoyResourceName, issueCertificateAuthority, issueServerCertificate } from '@portico/server';
import { startEchoBackends, type EchoBackend, type EchoClient } from '../support/backends/echo-backends.js';
import { describeWithKube, startKubeApiServer, type KubeApiServer } from '../support/kube/kube-apiserver.js';
import { deleteObject, getObject, metricValue, objectPath, pollFor, setDeploymentReplicas, startKubernetesServe, type StoredObject } from '../support/kube/kube-serve.js';
import {
  ADMIN_LISTENER,
  APPS,
  clusterObjects,
  CONTROLLER_NAME,
  ECHO_TARGET,
  EDGE,
  endpointHost,
  endpointSlice,
  gateway,
  GATEWAY,
  GATEWAY_NAME,
  GRPC_LISTENER,
  GW_API,
  HTTP_LISTENER,
  httpRoute,
  PORTICO_NAMESPACE,
  referenceGrant,
} from '../support/kube/kube-serve-objects.js';
import { comparableStatuses, conditionSummary, ourParent, translateOffline, type Condition, type StatusOf } from '../support/kube/kube-statuses.js';
import type { ServeProcess } from '../support/serve-process.js';
import { createXdsEchoClient, untilAnswer } from '../support/xds-client.js';

jest.setTimeout(120_000);

const ENVOY_NAME = envoyResourceName(EDGE, GATEWAY_NAME);
const ENVOY_OBJECTS = [
  ['v1', 'ServiceAccount'],
  ['v1', 'ConfigMap'],
  ['apps/v1', 'Deployment'],
  ['v1', 'Service'],
] as const;
const ROUTES = [
  ['HTTPRoute', 'valid'],
  ['HTTPRoute', 'missing'],
  ['HTTPRoute', 'cross'],
  ['GRPCRoute', 'echo'],
] as const;
/** The cluster of `apps/api:80` in the gateway's snapshot (@portico/xds cluster names). */
const CROSS_CLUSTER = /apps\/api\/80/;

const b64 = (text: string) => Buffer.from(text).toString('base64');
/** The fields of a stored Deployment or Service this file compares. */
type StoredWorkload = { metadata: { uid: string }; spec: { template?: unknown; clusterIP?: string; ports?: { port: number }[] } };
type GatewayStatus = { addresses?: { type: string; value: string }[]; conditions: Condition[]; listeners: { name: string; attachedRoutes: number; conditions: Condition[] }[] };

describeWithKube('portico serve --kubernetes against a real kube-apiserver', () => {
  let kube: KubeApiServer;
  let backends: Record<'a' | 'b', EchoBackend>;
  let serve: ServeProcess;
  let client: EchoClient | undefined;
  let dir: string;
  let objects: object[];
  const figures: Record<string, number> = {};
  const host = endpointHost();

  const routePath = (kind: string, name: string, ns = EDGE) => objectPath(GW_API, kind, ns, name);
  const gatewayPath = routePath('Gateway', GATEWAY_NAME);
  const envoyService = () => getObject(kube, objectPath('v1', 'Service', EDGE, ENVOY_NAME));
  const routeParent = async (kind: string, name: string) => ourParent((await getObject(kube, routePath(kind, name)))?.status, CONTROLLER_NAME);
  const gatewayStatus = async () => (await getObject(kube, gatewayPath))?.status as GatewayStatus | undefined;
  const xdsJson = async () => JSON.stringify((await serve.admin(`/debug/xds?gateway=${GATEWAY}`)).body);
  const reconcileLines = (from: number) => serve.logs().slice(from).filter((l): l is Record<string, unknown> => typeof l === 'object' && l.message === 'reconciled');

  /** Waits until the route's entry of ours says ResolvedRefs `status`/`reason` (its observedGeneration current). */
  const untilResolvedRefs = (kind: string, name: string, expected: string) =>
    pollFor(`${kind} ${name} ResolvedRefs ${expected}`, async () => {
      const parent = await routeParent(kind, name);
      return conditionSummary(parent?.conditions).ResolvedRefs === expected ? parent : undefined;
    });

  /** Until the server has reconciled nothing for `quietMs` (its status writes came back as route updates and were absorbed). */
  const untilQuiet = async (quietMs = 1_000) => {
    let count = -1;
    let since = Date.now();
    await pollFor('the server to stop reconciling', async () => {
      const now = reconcileLines(0).length;
      if (now !== count) [count, since] = [now, Date.now()];
      return Date.now() - since >= quietMs ? true : undefined;
    }, 30_000, 100);
  };

  beforeAll(async () => {
    backends = await startEchoBackends(['a', 'b'] as const, host);
    dir = mkdtempSync(join(tmpdir(), 'portico-kube-serve-'));
    let started = Date.now();
    kube = await startKubeApiServer({ namespaces: [EDGE, APPS, PORTICO_NAMESPACE] });
    await kube.installCrds();
    figures.apiServerAndCrdsMs = Date.now() - started;
    objects = clusterObjects({ host, echoPort: backends.a.port, httpPort: backends.b.port });
    await kube.apply(objects);
    started = Date.now();
    serve = await startKubernetesServe(kube, { extraArgs: ['--envoy-service-type', 'ClusterIP'] });
    figures.startupToReadyMs = await serve.waitReady(30_000);
  });

  afterAll(async () => {
    client?.close();
    if (serve) await serve.stop('SIGTERM').catch(() => serve.stop('SIGKILL'));
    await kube?.stop();
    await Promise.all(Object.values(backends ?? {}).map((b) => b.close()));
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`kubernetes serve figures: ${JSON.stringify(figures)}`);
  });

  it('the Gateway is Programmed=False Pending, with its address, until its Envoy Deployment has an available replica; then True within seconds', async () => {
    const pending = await pollFor('the Gateway pending with an address', async () => {
      const status = await gatewayStatus();
      return status?.addresses?.length && conditionSummary(status.conditions).Programmed === 'False/Pending' ? status : undefined;
    });
    const clusterIP = (await envoyService())!.spec!.clusterIP as string;
    expect(pending.addresses).toEqual([{ type: 'IPAddress', value: clusterIP }]);
    expect(pending.conditions.find((c) => c.type === 'Programmed')!.message).toBe("waiting for the Gateway's Envoy pods: 0 of 1 replicas ready");
    expect(conditionSummary(pending.conditions).Accepted).toBe('True/Accepted');

    // No pods run here: only the Deployment's status, written below, can make the Gateway Programmed.
    const deployment = await getObject(kube, objectPath('apps/v1', 'Deployment', EDGE, ENVOY_NAME));
    expect(deployment!.status?.availableReplicas ?? 0).toBe(0);

    const started = Date.now();
    await setDeploymentReplicas(kube, EDGE, ENVOY_NAME, { replicas: 1, available: 1 });
    await pollFor('the Gateway programmed', async () => (conditionSummary((await gatewayStatus())?.conditions).Programmed === 'True/Programmed' ? true : undefined), 10_000);
    figures.programmedAfterReadyMs = Date.now() - started;
    // The Deployment is read every second while no replica is available; the status write follows the translation.
    expect(figures.programmedAfterReadyMs).toBeLessThan(5_000);
  });

  it('a restarted Portico keeps the Gateway Programmed: no Pending before it has listed the Envoy Deployments', async () => {
    await untilQuiet();
    const storedBefore = (await getObject(kube, gatewayPath))!;
    const before = (storedBefore.status as GatewayStatus).conditions.find((c) => c.type === 'Programmed')!;
    expect(`${before.status}/${before.reason}`).toBe('True/Programmed');
    await serve.stop('SIGTERM');
    serve = await startKubernetesServe(kube, { extraArgs: ['--envoy-service-type', 'ClusterIP'] });
    await serve.waitReady(30_000);
    await pollFor('the restarted server to list the Envoy Deployments', async () =>
      serve.logs().some((l) => typeof l === 'object' && String(l.message).startsWith('Envoy Deployments listed')) ? true : undefined,
    );
    await untilQuiet();
    const storedAfter = (await getObject(kube, gatewayPath))!;
    expect((storedAfter.status as GatewayStatus).conditions.find((c) => c.type === 'Programmed')).toEqual(before);
    // Not written at all (a Pending in between would have been two writes, within the same second of lastTransitionTime).
    expect(storedAfter.metadata.resourceVersion).toBe(storedBefore.metadata.resourceVersion);
  });

  it('writes the statuses the spec asks for, the same as `portico translate --to gateway-api` prints', async () => {
    const started = Date.now();
    const gatewayDone = await pollFor('the Gateway programmed with an address', async () => {
      const status = await gatewayStatus();
      return status?.addresses?.length && conditionSummary(status.conditions).Programmed === 'True/Programmed' ? status : undefined;
    });
    for (const [kind, name] of ROUTES) await pollFor(`${kind} ${name} status`, () => routeParent(kind, name));
    figures.statusesWrittenMs = Date.now() - started;

    const clusterIP = (await envoyService())!.spec!.clusterIP as string;
    expect(clusterIP).toMatch(/^10\.96\./);
    expect(gatewayDone.addresses).toEqual([{ type: 'IPAddress', value: clusterIP }]);
    expect(conditionSummary(gatewayDone.conditions)).toEqual({ Accepted: 'True/Accepted', Programmed: 'True/Programmed' });
    expect(gatewayDone.listeners.map((l) => [l.name, l.attachedRoutes, conditionSummary(l.conditions)])).toEqual(
      [HTTP_LISTENER, GRPC_LISTENER].map((l) => [
        l.name,
        l === HTTP_LISTENER ? 3 : 1,
        { Accepted: 'True/Accepted', Programmed: 'True/Programmed', ResolvedRefs: 'True/ResolvedRefs', Conflicted: 'False/NoConflicts' },
      ]),
    );
    const gatewayClass = await getObject(kube, objectPath(GW_API, 'GatewayClass', undefined, 'portico'));
    expect(conditionSummary((gatewayClass!.status as { conditions: Condition[] }).conditions)).toEqual({ Accepted: 'True/Accepted' });

    const summaries = Object.fromEntries(await Promise.all(ROUTES.map(async ([kind, name]) => [name, conditionSummary((await routeParent(kind, name))!.conditions)])));
    expect(summaries).toEqual({
      valid: { Accepted: 'True/Accepted', ResolvedRefs: 'True/ResolvedRefs' },
      missing: { Accepted: 'True/Accepted', ResolvedRefs: 'False/BackendNotFound' },
      cross: { Accepted: 'True/Accepted', ResolvedRefs: 'False/RefNotPermitted' },
      echo: { Accepted: 'True/Accepted', ResolvedRefs: 'True/ResolvedRefs' },
    });
    expect((await routeParent('HTTPRoute', 'valid'))!.parentRef).toEqual({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: GATEWAY_NAME, sectionName: 'http' });

    // The same objects offline. Only lastTransitionTime (the time of each translation) and the
    // Gateway's addresses (the Envoy Service's clusterIP, which only the cluster knows) may differ.
    const offline = (await translateOffline(objects, dir)).filter((o) => o.status !== undefined && o.kind !== 'Service' && o.kind !== 'EndpointSlice');
    expect(offline.map((o) => `${o.kind} ${o.name}`).sort()).toEqual(['GRPCRoute echo', 'Gateway web', 'GatewayClass portico', 'HTTPRoute cross', 'HTTPRoute missing', 'HTTPRoute valid']);
    const inCluster: StatusOf[] = [];
    for (const o of offline) {
      const stored = (await getObject(kube, o.kind === 'GatewayClass' ? objectPath(GW_API, o.kind, undefined, o.name) : routePath(o.kind, o.name, o.namespace)))!;
      inCluster.push({ kind: o.kind, name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}), status: stored.status });
    }
    expect(comparableStatuses(inCluster)).toEqual(comparableStatuses(offline));
    expect(offline.find((o) => o.kind === 'Gateway')!.status!.addresses).toBeUndefined();
  });

  it('creates the Envoy ServiceAccount, ConfigMap, Deployment and Service of the Gateway; a new listener reaches the Service ports', async () => {
    const found: Record<string, StoredObject | undefined> = {};
    for (const [apiVersion, kind] of ENVOY_OBJECTS) found[kind] = await pollFor(`the Envoy ${kind}`, () => getObject(kube, objectPath(apiVersion, kind, EDGE, ENVOY_NAME)));
    const ports = (service: StoredObject | undefined) => ((service!.spec!.ports as { port: number }[]) ?? []).map((p) => p.port);
    expect(found.Service!.spec!.type).toBe('ClusterIP');
    expect(ports(found.Service)).toEqual([HTTP_LISTENER.port, GRPC_LISTENER.port]);
    expect(found.Deployment!.metadata.name).toBe(ENVOY_NAME);

    const started = Date.now();
    await kube.apply([gateway([HTTP_LISTENER, GRPC_LISTENER, ADMIN_LISTENER])]);
    const service = await pollFor('the Service port of the new listener', async () => {
      const s = await envoyService();
      return ports(s).includes(ADMIN_LISTENER.port) ? s : undefined;
    });
    figures.listenerToServicePortMs = Date.now() - started;
    expect(ports(service)).toEqual([HTTP_LISTENER.port, GRPC_LISTENER.port, ADMIN_LISTENER.port]);
    // The Service keeps its clusterIP (an update, not a re-creation), so the Gateway keeps its address.
    expect(service!.spec!.clusterIP).toBe(found.Service!.spec!.clusterIP);
    const status = await pollFor('the new listener in the Gateway status', async () => {
      const s = await gatewayStatus();
      return s?.listeners.some((l) => l.name === ADMIN_LISTENER.name) ? s : undefined;
    });
    expect(status.addresses).toEqual([{ type: 'IPAddress', value: service!.spec!.clusterIP }]);
    expect(status.listeners.map((l) => l.name)).toEqual(['http', 'grpc', 'admin']);
  });

  it('a real xDS client calls through the GRPCRoute; an EndpointSlice change reaches it by the endpoints fast path', async () => {
    client = createXdsEchoClient(ECHO_TARGET, { xdsPort: serve.xdsPort, gateway: GATEWAY, nodeId: 'kube-e2e-1' });
    figures.firstCallMs = (await untilAnswer(client, 'Who', {}, (r) => r.backend === 'a')).ms;
    await untilQuiet();
    const metric = (kind: string) => metricValue(serve, 'portico_reconcile_total', { kind, result: 'success' });
    const before = { endpointSlice: (await metric('EndpointSlice')) ?? 0, httpRoute: await metric('HTTPRoute'), grpcRoute: await metric('GRPCRoute') };
    const from = serve.logs().length;

    const started = Date.now();
    await kube.apply([endpointSlice(EDGE, 'echo', host, backends.b.port, true)]);
    await untilAnswer(client, 'Who', {}, (r) => r.backend === 'b');
    figures.endpointChangeToClientMs = Date.now() - started;
    await untilQuiet(500);

    const lines = reconcileLines(from);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    // Every reconcile since the change: the EndpointSlice only, on the fast path (no route translated).
    expect(lines.map((l) => [l.changed, l.path])).toEqual(lines.map(() => ['EndpointSlice', 'endpoints']));
    expect(await metric('EndpointSlice')).toBe(before.endpointSlice + lines.length);
    expect({ httpRoute: await metric('HTTPRoute'), grpcRoute: await metric('GRPCRoute') }).toEqual({ httpRoute: before.httpRoute, grpcRoute: before.grpcRoute });
  });

  it('a ReferenceGrant grants the cross-namespace backend (status and xDS); removing it revokes both', async () => {
    expect(await xdsJson()).not.toMatch(CROSS_CLUSTER);
    let started = Date.now();
    await kube.apply([referenceGrant()]);
    await untilResolvedRefs('HTTPRoute', 'cross', 'True/ResolvedRefs');
    figures.grantToStatusMs = Date.now() - started;
    await pollFor('the apps/api cluster in /debug/xds', async () => (CROSS_CLUSTER.test(await xdsJson()) ? true : undefined));

    started = Date.now();
    await deleteObject(kube, objectPath('gateway.networking.k8s.io/v1beta1', 'ReferenceGrant', APPS, 'edge-routes'));
    await untilResolvedRefs('HTTPRoute', 'cross', 'False/RefNotPermitted');
    figures.revokeToStatusMs = Date.now() - started;
    await pollFor('the apps/api cluster gone from /debug/xds', async () => (CROSS_CLUSTER.test(await xdsJson()) ? undefined : true));
  });

  it('an HTTPRoute deleted and created again at once under the same name gets its status again (the conformance suite does this)', async () => {
    await pollFor('HTTPRoute valid status', () => routeParent('HTTPRoute', 'valid'));
    await untilQuiet();
    const route = objects.find((o) => (o as StoredObject).kind === 'HTTPRoute' && (o as StoredObject).metadata?.name === 'valid')!;
    const started = Date.now();
    // Back to back, as the suite's cleanup and next test do: one snapshot can hold both, and the new
    // object's status is the same as the old one's, yet it has none in the cluster.
    await deleteObject(kube, routePath('HTTPRoute', 'valid'));
    await kube.apply([route]);
    const parent = await pollFor('the re-created HTTPRoute valid to get its status', () => routeParent('HTTPRoute', 'valid'));
    figures.recreatedRouteStatusMs = Date.now() - started;
    expect(conditionSummary(parent.conditions)).toMatchObject({ Accepted: 'True/Accepted', ResolvedRefs: 'True/ResolvedRefs' });
  });

  it('a ListenerSet in another namespace joins the Gateway once allowed: statuses on both sides, its port on the Envoy Service, its route in xDS (GEP-1713)', async () => {
    const listenerSetPath = objectPath(GW_API, 'ListenerSet', APPS, 'team');
    const listenerSetStatus = async () => (await getObject(kube, listenerSetPath))?.status as { conditions?: Condition[]; listeners?: { name: string; attachedRoutes: number; conditions: Condition[] }[] } | undefined;
    const started = Date.now();
    await kube.apply([
      { apiVersion: GW_API, kind: 'ListenerSet', metadata: { name: 'team', namespace: APPS }, spec: { parentRef: { name: GATEWAY_NAME, namespace: EDGE }, listeners: [{ name: 'team-http', protocol: 'HTTP', port: 9191, hostname: 'team.test' }] } },
      {
        apiVersion: GW_API,
        kind: 'HTTPRoute',
        metadata: { name: 'team-route', namespace: APPS },
        spec: { parentRefs: [{ kind: 'ListenerSet', name: 'team', sectionName: 'team-http' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/team' } }], backendRefs: [{ name: 'api', port: 80 }] }] },
      },
    ]);
    // The Gateway does not allow ListenerSets yet.
    const refused = await pollFor('the ListenerSet NotAllowed', async () => {
      const status = await listenerSetStatus();
      return conditionSummary(status?.conditions).Accepted === 'False/NotAllowed' ? status : undefined;
    });
    expect(conditionSummary(refused.conditions)).toEqual({ Accepted: 'False/NotAllowed', Programmed: 'False/NotAllowed' });

    const current = (await getObject(kube, gatewayPath))!;
    await kube.apply([{ ...gateway(current.spec!.listeners as Parameters<typeof gateway>[0]), spec: { ...current.spec, allowedListeners: { namespaces: { from: 'All' } } } }]);
    const accepted = await pollFor('the ListenerSet accepted, its route attached', async () => {
      const status = await listenerSetStatus();
      return conditionSummary(status?.conditions).Programmed === 'True/Programmed' && status?.listeners?.[0]?.attachedRoutes === 1 ? status : undefined;
    });
    expect(conditionSummary(accepted.conditions)).toEqual({ Accepted: 'True/Accepted', Programmed: 'True/Programmed' });
    expect(conditionSummary(accepted.listeners![0]!.conditions)).toEqual({ Accepted: 'True/Accepted', Programmed: 'True/Programmed', ResolvedRefs: 'True/ResolvedRefs', Conflicted: 'False/NoConflicts' });
    expect(await pollFor('attachedListenerSets', async () => ((await gatewayStatus()) as { attachedListenerSets?: number } | undefined)?.attachedListenerSets === 1 || undefined)).toBe(true);
    const parent = (await getObject(kube, routePath('HTTPRoute', 'team-route', APPS)))!.status as { parents: { parentRef: Record<string, unknown>; conditions: Condition[] }[] };
    expect(parent.parents.map((p) => [p.parentRef.kind, p.parentRef.name, conditionSummary(p.conditions).Accepted])).toEqual([['ListenerSet', 'team', 'True/Accepted']]);
    const ports = await pollFor('the ListenerSet port on the Envoy Service', async () => {
      const list = (((await envoyService())?.spec?.ports as { port: number }[]) ?? []).map((p) => p.port);
      return list.includes(9191) ? list : undefined;
    });
    expect(ports).toContain(HTTP_LISTENER.port);
    expect(await pollFor('the route in xDS', async () => ((await xdsJson()).includes('team.test') ? true : undefined))).toBe(true);
    figures.listenerSetToServicePortMs = Date.now() - started;

    // Deleting the ListenerSet takes its port and its route off the Gateway again.
    await deleteObject(kube, listenerSetPath);
    await pollFor('the ListenerSet port gone', async () => ((((await envoyService())?.spec?.ports as { port: number }[]) ?? []).some((p) => p.port === 9191) ? undefined : true));
    expect(await pollFor('attachedListenerSets 0', async () => ((await gatewayStatus()) as { attachedListenerSets?: number } | undefined)?.attachedListenerSets === 0 || undefined)).toBe(true);
  });

  it('survives an API server restart: nothing served is lost, and a route changed meanwhile gets its status', async () => {
    const xdsBefore = (await serve.admin(`/debug/xds?gateway=${GATEWAY}`)).body;
    let lost = 0;
    let samples = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const body = (await serve.admin(`/debug/xds?gateway=${GATEWAY}`)).body;
        samples++;
        if (!body.xds?.[GATEWAY]) lost++;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const started = Date.now();
    await kube.restart();
    figures.apiServerRestartMs = Date.now() - started;
    // Right after the restart the provider's watches are still backing off: this happens while it is not watching.
    await kube.apply([httpRoute('missing', { name: 'web' })]);
    await untilResolvedRefs('HTTPRoute', 'missing', 'True/ResolvedRefs');
    figures.restartToStatusMs = Date.now() - started;
    watching = false;
    await watcher;

    expect({ lost, samples: samples > 10 }).toEqual({ lost: 0, samples: true });
    expect(serve.logs()).toContainEqual(expect.objectContaining({ message: 'kubernetes watch restored' }));
    const xdsAfter = (await serve.admin(`/debug/xds?gateway=${GATEWAY}`)).body;
    // Everything is still served: the same listeners and clusters (the fixed route now names `web`, served already).
    const names = (body: typeof xdsAfter, section: string) => JSON.stringify(body.xds[GATEWAY][section]).match(/"name":"[^"]*"/g)?.sort();
    for (const section of ['listeners', 'clusters']) expect(names(xdsAfter, section)).toEqual(names(xdsBefore, section));
    expect((await untilAnswer(client!, 'Who', {}, (r) => r.backend === 'b')).reply.backend).toBe('b');
  });

  it('an IngressClass of ours gets Envoy workloads in Portico\'s namespace, and its Ingress the Envoy Service\'s address', async () => {
    const started = Date.now();
    await kube.apply([
      { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'portico' }, spec: { controller: 'portico.dev/ingress-controller' } },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'site', namespace: APPS },
        spec: { ingressClassName: 'portico', rules: [{ host: 'site.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } }] } }] },
      },
    ]);
    const name = envoyResourceName('ingressclass', 'portico');
    for (const [apiVersion, kind] of ENVOY_OBJECTS) {
      const object = await pollFor(`the Ingress Envoy ${kind}`, () => getObject(kube, objectPath(apiVersion, kind, PORTICO_NAMESPACE, name)));
      expect((object.metadata as Record<string, unknown>).ownerReferences).toBeUndefined();
    }
    const ingressService = (await getObject(kube, objectPath('v1', 'Service', PORTICO_NAMESPACE, name)))!;
    const clusterIP = (ingressService as unknown as { spec: { clusterIP: string; ports: { port: number }[] } }).spec.clusterIP;
    expect((ingressService as unknown as { spec: { ports: { port: number }[] } }).spec.ports.map((p) => p.port)).toEqual([80]);
    const loadBalancer = await pollFor('the Ingress status.loadBalancer', async () => {
      const status = (await getObject(kube, objectPath('networking.k8s.io/v1', 'Ingress', APPS, 'site')))?.status as { loadBalancer?: { ingress?: { ip?: string }[] } } | undefined;
      return status?.loadBalancer?.ingress?.length ? status.loadBalancer : undefined;
    });
    expect(loadBalancer).toEqual({ ingress: [{ ip: clusterIP }] });
    figures.ingressToEnvoyAndStatusMs = Date.now() - started;
  });

  it('the IngressClass keeps its Envoys without Ingresses (same Service, same pod template); a TLS Ingress adds 443 in place; deleting the class removes them', async () => {
    const name = envoyResourceName('ingressclass', 'portico');
    const deploymentPath = objectPath('apps/v1', 'Deployment', PORTICO_NAMESPACE, name);
    const servicePath = objectPath('v1', 'Service', PORTICO_NAMESPACE, name);
    const identity = async () => {
      const deployment = (await getObject(kube, deploymentPath)) as unknown as StoredWorkload | undefined;
      const service = (await getObject(kube, servicePath)) as unknown as StoredWorkload | undefined;
      return {
        deploymentUid: deployment?.metadata.uid,
        podTemplate: JSON.stringify(deployment?.spec.template),
        serviceUid: service?.metadata.uid,
        clusterIP: service?.spec.clusterIP,
      };
    };
    const before = await identity();
    expect(before.deploymentUid && before.serviceUid).toBeTruthy();

    await deleteObject(kube, objectPath('networking.k8s.io/v1', 'Ingress', APPS, 'site'));
    // Translated without the Ingress, the class's gateway is still served: port 80, no route (404).
    const irWithout = await pollFor('the class gateway without Ingresses', async () => {
      const ir = (await serve.admin('/debug/ir?gateway=ingressclass/portico')).body.ir?.['ingressclass/portico'] as { listeners: { name: string; sources: string[]; virtualHosts: unknown[] }[] } | undefined;
      return ir?.listeners.every((l) => l.sources.length === 0) ? ir : undefined;
    });
    expect(irWithout.listeners.map((l) => [l.name, l.virtualHosts.length])).toEqual([['http-80', 0]]);

    const started = Date.now();
    const ca = issueCertificateAuthority();
    const leaf = issueServerCertificate(ca, { dnsNames: ['secure.test'], ipAddresses: [] });
    await kube.apply([
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'secure-tls', namespace: APPS }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64(leaf.cert), 'tls.key': b64(leaf.key) } },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'secure', namespace: APPS },
        spec: {
          ingressClassName: 'portico',
          tls: [{ hosts: ['secure.test'], secretName: 'secure-tls' }],
          rules: [{ host: 'secure.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } }] } }],
        },
      },
    ]);
    await pollFor('port 443 on the Ingress Envoy Service', async () => {
      const ports = ((await getObject(kube, servicePath)) as unknown as StoredWorkload | undefined)?.spec.ports?.map((p) => p.port);
      return JSON.stringify(ports) === '[80,443]' ? true : undefined;
    });
    figures.tlsIngressToServicePortMs = Date.now() - started;
    // The Service was updated in place (a deleted and recreated object has a new uid, a LoadBalancer a
    // new address), and the pods were never touched: the listeners reach Envoy over xDS only.
    expect(await identity()).toEqual(before);

    await deleteObject(kube, objectPath('networking.k8s.io/v1', 'IngressClass', undefined, 'portico'));
    for (const [apiVersion, kind] of ENVOY_OBJECTS) {
      await pollFor(`the Ingress Envoy ${kind} deleted`, async () => ((await getObject(kube, objectPath(apiVersion, kind, PORTICO_NAMESPACE, name))) ? undefined : true));
    }
    await pollFor('the class gateway gone from /debug/xds', async () => ((await serve.admin('/debug/xds')).body.xds?.['ingressclass/portico'] ? undefined : true));
  });

  it('deleting the Gateway deletes its Envoy workloads and its snapshot', async () => {
    const started = Date.now();
    await deleteObject(kube, gatewayPath);
    for (const [apiVersion, kind] of ENVOY_OBJECTS) {
      await pollFor(`the Envoy ${kind} deleted`, async () => ((await getObject(kube, objectPath(apiVersion, kind, EDGE, ENVOY_NAME))) ? undefined : true));
    }
    figures.gatewayDeleteToWorkloadsGoneMs = Date.now() - started;
    await pollFor('the gateway gone from /debug/xds', async () => ((await serve.admin('/debug/xds')).body.xds?.[GATEWAY] ? undefined : true));
    // A parentRef to a Gateway that does not exist is no longer ours to judge: our entries are withdrawn.
    for (const [kind, name] of ROUTES) {
      await pollFor(`our entry withdrawn from ${kind} ${name}`, async () => ((await routeParent(kind, name)) ? undefined : true));
      expect((await getObject(kube, routePath(kind, name)))!.status).toEqual({ parents: [] });
    }
    expect(serve.logs().filter((l) => typeof l === 'object' && l.level === 'error')).toEqual([]);
  });
});
