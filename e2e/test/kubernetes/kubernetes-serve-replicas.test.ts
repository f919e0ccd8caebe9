/**
 * Two replicas of `portico serve --kubernetes` (issue 6, "Done means"), real child processes on one
 * Lease against a real kube-apiserver, with short Lease timings (PORTICO_*_MS): exactly one leads
 * (`portico_leader 1`), only the leader writes statuses, and when the leader is killed (SIGKILL: no
 * Lease release) the other takes over within the lease duration and writes the next status change.
 * Both replicas serve xDS all along.
 *
 * Runs the compiled CLI (packages/cli/dist): run `npx tsc -b` before running this file alone.
 */
import { jest } from '@jest/globals';
import { describeWithKube, startKubeApiServer, type KubeApiServer } from '../support/kube/kube-apiserver.js';
import { getObject, isLeader, metricValue, objectPath, pollFor, startKubernetesServe, statusWrites } from '../support/kube/kube-serve.js';
import { CONTROLLER_NAME, EDGE, gateway, gatewayClass, GATEWAY, GW_API, httpRoute, PORTICO_NAMESPACE, service } from '../support/kube/kube-serve-objects.js';
import { conditionSummary, ourParent } from '../support/kube/kube-statuses.js';
import type { ServeProcess } from '../support/serve-process.js';

jest.setTimeout(120_000);

const LEASE = { PORTICO_LEASE_DURATION_MS: '2000', PORTICO_RENEW_DEADLINE_MS: '1500', PORTICO_RETRY_PERIOD_MS: '250' };
const LEASE_DURATION_MS = Number(LEASE.PORTICO_LEASE_DURATION_MS);
const RETRY_PERIOD_MS = Number(LEASE.PORTICO_RETRY_PERIOD_MS);

describeWithKube('two replicas of portico serve --kubernetes on one Lease', () => {
  let kube: KubeApiServer;
  const replicas: Record<'a' | 'b', ServeProcess | undefined> = { a: undefined, b: undefined };
  const figures: Record<string, number> = {};

  const routeResolvedRefs = async (name: string) => {
    const route = await getObject(kube, objectPath(GW_API, 'HTTPRoute', EDGE, name));
    return conditionSummary(ourParent(route?.status, CONTROLLER_NAME)?.conditions).ResolvedRefs;
  };
  const leaders = async () => {
    const flags = await Promise.all((['a', 'b'] as const).map(async (id) => [id, replicas[id] && replicas[id]!.child.exitCode === null && replicas[id]!.child.signalCode === null ? await isLeader(replicas[id]!) : false] as const));
    return flags.filter(([, leads]) => leads).map(([id]) => id);
  };

  beforeAll(async () => {
    kube = await startKubeApiServer({ namespaces: [EDGE, PORTICO_NAMESPACE] });
    await kube.installCrds();
    await kube.apply([gatewayClass(), gateway(), service(EDGE, 'web', 80), httpRoute('first', { name: 'missing-1' })]);
    for (const id of ['a', 'b'] as const) {
      replicas[id] = await startKubernetesServe(kube, { podName: id, extraArgs: ['--envoy-infrastructure', 'none'], env: LEASE });
    }
    await Promise.all(Object.values(replicas).map((r) => r!.waitReady(30_000)));
  });

  afterAll(async () => {
    await Promise.all(Object.values(replicas).map((r) => r?.stop('SIGTERM').catch(() => r.stop('SIGKILL'))));
    await kube?.stop();
    console.log(`kubernetes replicas figures: ${JSON.stringify(figures)}`);
  });

  it('elects exactly one leader; both serve xDS; only the leader writes a route’s status', async () => {
    const started = Date.now();
    const [leader] = await pollFor('a leader', async () => ((await leaders()).length > 0 ? leaders() : undefined));
    figures.firstLeaderMs = Date.now() - started;
    // Sampled over a few renewals: never two, never none.
    for (let i = 0; i < 8; i++) {
      expect(await leaders()).toEqual([leader]);
      await new Promise((r) => setTimeout(r, RETRY_PERIOD_MS));
    }
    const follower = leader === 'a' ? 'b' : 'a';
    for (const id of ['a', 'b'] as const) expect(Object.keys((await replicas[id]!.admin('/debug/xds')).body.xds)).toEqual([GATEWAY]);

    await pollFor('the first route’s status', async () => ((await routeResolvedRefs('first')) === 'False/BackendNotFound' ? true : undefined));
    const before = { leader: await statusWrites(replicas[leader!]!), follower: await statusWrites(replicas[follower]!) };
    await kube.apply([httpRoute('first', { name: 'web' })]);
    await pollFor('the route change written', async () => ((await routeResolvedRefs('first')) === 'True/ResolvedRefs' ? true : undefined));
    // The leader's count grows by the route (and the Gateway, whose route counts did not change: no write).
    await pollFor('the leader’s write counted', async () => ((await statusWrites(replicas[leader!]!)) > before.leader ? true : undefined));
    expect(await statusWrites(replicas[follower]!)).toBe(0);
    expect(before.follower).toBe(0);
    expect(await metricValue(replicas[follower]!, 'portico_status_writes', { outcome: 'unchanged' })).toBe(0);
  });

  it('when the leader is killed, the other leads within the lease duration and writes the next change', async () => {
    const [leader] = await leaders();
    const follower = leader === 'a' ? 'b' : 'a';
    const killed = Date.now();
    await replicas[leader!]!.stop('SIGKILL');
    await pollFor('the follower to lead', async () => ((await isLeader(replicas[follower]!)) ? true : undefined), 10_000, 20);
    figures.takeoverMs = Date.now() - killed;
    // Not released (SIGKILL): the follower waits until the Lease expires as it observed it, a lease
    // duration after it saw the last renewal, which came at most a retry period before the kill; it
    // sees a renewal and retries at most a (jittered, ×1.2) retry period late each.
    expect(figures.takeoverMs).toBeGreaterThanOrEqual(LEASE_DURATION_MS - RETRY_PERIOD_MS);
    expect(figures.takeoverMs).toBeLessThan(LEASE_DURATION_MS + 3 * RETRY_PERIOD_MS);
    expect(replicas[follower]!.logs()).toContainEqual(expect.objectContaining({ message: 'leading: writing statuses and managing Envoy workloads', identity: follower }));

    const writes = await statusWrites(replicas[follower]!);
    const started = Date.now();
    await kube.apply([httpRoute('first', { name: 'missing-2' })]);
    await pollFor('the new leader’s write', async () => ((await routeResolvedRefs('first')) === 'False/BackendNotFound' ? true : undefined));
    figures.newLeaderWriteMs = Date.now() - started;
    expect(await statusWrites(replicas[follower]!)).toBeGreaterThan(writes);
  });
});
