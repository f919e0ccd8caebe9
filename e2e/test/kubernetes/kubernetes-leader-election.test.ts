/**
 * Lease leader election against a real kube-apiserver: two replicas on one Lease elect one leader;
 * a leader that stops releases the Lease and the other takes over at once; a leader that is killed
 * (a separate process, SIGKILL) is replaced only after the lease duration; a leader cut off from the
 * API server (a proxy that black-holes its traffic) stops believing it leads before the other starts.
 * Throughout, no two replicas ever believe they lead at the same moment.
 */
import { jest } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { type LeaderElector } from '@portico/provider';
import { createLeaderElector } from '@portico/provider/kubernetes';
import { kubeRequest } from '../support/kube/kube-apply.js';
import { describeWithKube, startKubeApiServer, type KubeApiServer } from '../support/kube/kube-apiserver.js';

jest.setTimeout(120_000);

const NAMESPACE = 'portico-system';
const TIMING = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 250 };
const CHILD = join(dirname(fileURLToPath(import.meta.url)), '../support/leader-elector-process.mjs');

interface Replica {
  identity: string;
  elector: LeaderElector;
  /** Leadership periods by the callbacks (epoch ms, shared with child processes). */
  periods: { from: number; to?: number }[];
}

function replica(kubeConfig: KubeConfig, lease: string, identity: string): Replica {
  const periods: Replica['periods'] = [];
  const elector = createLeaderElector({
    kubeConfig,
    namespace: NAMESPACE,
    name: lease,
    identity,
    ...TIMING,
    onStartedLeading: () => periods.push({ from: Date.now() }),
    onStoppedLeading: () => {
      periods.at(-1)!.to = Date.now();
    },
  });
  return { identity, elector, periods };
}

function overlaps(a: Replica['periods'], b: Replica['periods']): boolean {
  const end = (p: { to?: number }) => p.to ?? Infinity;
  return a.some((x) => b.some((y) => x.from < end(y) && y.from < end(x)));
}

/** Samples isLeader() of every replica every 5 ms; counts the moments more than one said yes. */
function watchOverlap(replicas: Replica[]) {
  let samples = 0;
  let both = 0;
  const timer = setInterval(() => {
    samples++;
    if (replicas.filter((r) => r.elector.isLeader()).length > 1) both++;
  }, 5);
  return () => {
    clearInterval(timer);
    return { samples, both };
  };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return Date.now() - started;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A TCP proxy to the API server that can black-hole all traffic (a network partition: requests hang). */
async function partitionableProxy(target: URL) {
  const sockets = new Set<Socket>();
  let partitioned = false;
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    if (partitioned) return; // accepted, never answered
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}`,
    partition() {
      partitioned = true;
      // Established connections stall too: stop forwarding without closing (no RST to notice).
      for (const socket of sockets) {
        socket.unpipe();
        socket.pause();
      }
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The same credentials, another server URL. */
function viaServer(kubeConfig: KubeConfig, server: string): KubeConfig {
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: kubeConfig.clusters.map((c) => ({ ...c, server })),
    users: kubeConfig.users,
    contexts: kubeConfig.contexts,
    currentContext: kubeConfig.currentContext,
  });
  return copy;
}

describeWithKube('Lease leader election against a real kube-apiserver', () => {
  let kube: KubeApiServer;
  const cleanups: (() => Promise<unknown> | void)[] = [];

  const leaseSpec = async (lease: string) => {
    const { status, body } = await kubeRequest(kube.kubeConfig, 'GET', `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/${lease}`);
    if (status !== 200) throw new Error(`GET lease ${lease}: ${status}`);
    return (body as { spec: { holderIdentity?: string; leaseDurationSeconds: number; leaseTransitions: number; renewTime: string; acquireTime: string } }).spec;
  };

  /**
   * Polls a Lease until stopped and returns the latest renewTime `holder` wrote (epoch ms). The time a
   * successor must wait out runs from there: renewTime is taken when a renewal starts, before it lands
   * and so before anyone can observe it.
   */
  const watchRenewals = (lease: string, holder: string) => {
    let latest = 0;
    let watching = true;
    const polling = (async () => {
      while (watching) {
        const spec = await leaseSpec(lease);
        if (spec.holderIdentity === holder) latest = Math.max(latest, Date.parse(spec.renewTime));
        await sleep(20);
      }
    })();
    return {
      async stop() {
        watching = false;
        await polling;
        return latest;
      },
    };
  };

  beforeAll(async () => {
    kube = await startKubeApiServer({ namespaces: [NAMESPACE] });
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  afterAll(async () => {
    await kube?.stop();
  });

  it('elects one of two replicas, which keeps renewing a client-go-shaped Lease', async () => {
    const a = replica(kube.kubeConfig, 'one-leader', 'replica-a');
    const b = replica(kube.kubeConfig, 'one-leader', 'replica-b');
    cleanups.push(() => a.elector.stop(), () => b.elector.stop());
    a.elector.start();
    b.elector.start();
    const stopWatch = watchOverlap([a, b]);
    await waitFor('a leader', () => a.elector.isLeader() || b.elector.isLeader());
    const first = await leaseSpec('one-leader');
    await sleep(1_500);
    const { samples, both } = stopWatch();
    expect(both).toBe(0);
    expect(samples).toBeGreaterThan(100);
    const leader = a.elector.isLeader() ? a : b;
    expect([a, b].filter((r) => r.elector.isLeader())).toEqual([leader]);
    const later = await leaseSpec('one-leader');
    expect(later).toMatchObject({ holderIdentity: leader.identity, leaseDurationSeconds: 2, leaseTransitions: 0, acquireTime: first.acquireTime });
    expect(later.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(Date.parse(later.renewTime)).toBeGreaterThan(Date.parse(first.renewTime));
  });

  it('a stopped leader releases the Lease: the other replica leads within a second, never both at once', async () => {
    const a = replica(kube.kubeConfig, 'release', 'replica-a');
    a.elector.start();
    await waitFor('a leads', () => a.elector.isLeader());
    const b = replica(kube.kubeConfig, 'release', 'replica-b');
    cleanups.push(() => b.elector.stop());
    b.elector.start();
    const stopWatch = watchOverlap([a, b]);
    await sleep(800);
    expect(b.elector.isLeader()).toBe(false);
    const stoppedAt = Date.now();
    await a.elector.stop();
    const afterReturnMs = await waitFor('b leads', () => b.elector.isLeader());
    const sinceStop = Date.now() - stoppedAt;
    expect(sinceStop).toBeLessThan(1_000);
    expect(stopWatch().both).toBe(0);
    expect(overlaps(a.periods, b.periods)).toBe(false);
    expect(await leaseSpec('release')).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1, leaseDurationSeconds: 2 });
    console.log(`release: replica-b led ${sinceStop} ms after replica-a's stop() began (${afterReturnMs} ms after it returned)`);
  });

  it('a killed leader (no release) is replaced after the lease duration, not before', async () => {
    const child: ChildProcess = spawn(process.execPath, [CHILD, kube.kubeconfigPath, NAMESPACE, 'kill', 'replica-killed', ...Object.values(TIMING).map(String)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const events: { event: string; at: number }[] = [];
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) events.push(JSON.parse(line) as { event: string; at: number });
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    });
    await waitFor(`the child leads (stderr: ${stderr})`, () => events.some((e) => e.event === 'started'));

    const b = replica(kube.kubeConfig, 'kill', 'replica-b');
    cleanups.push(() => b.elector.stop());
    b.elector.start();
    await sleep(1_000);
    expect(b.elector.isLeader()).toBe(false);
    const renewedBeforeKill = await leaseSpec('kill');
    expect(renewedBeforeKill.holderIdentity).toBe('replica-killed');

    const renewals = watchRenewals('kill', 'replica-killed');
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await exited;
    await waitFor('b leads', () => b.elector.isLeader());
    const takeoverMs = Date.now() - killedAt;
    // b waits a lease duration from seeing the child's last renewal (a write sent before the kill may land after it).
    const lastRenewal = await renewals.stop();
    expect(lastRenewal).toBeGreaterThan(0);
    expect(b.periods[0]!.from - lastRenewal).toBeGreaterThanOrEqual(TIMING.leaseDurationMs);
    expect(takeoverMs).toBeLessThan(TIMING.leaseDurationMs + 2 * TIMING.retryPeriodMs + 1_000);
    expect(events.filter((e) => e.event === 'stopped')).toEqual([]);
    expect(b.periods[0]!.from).toBeGreaterThan(killedAt);
    expect(await leaseSpec('kill')).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1 });
    console.log(`kill: replica-b led ${takeoverMs} ms after the leader was killed (lease duration ${TIMING.leaseDurationMs} ms)`);
  });

  it('a leader cut off from the API server stops leading within the renew deadline, before the other starts', async () => {
    const proxy = await partitionableProxy(new URL(kube.url));
    cleanups.push(() => proxy.close());
    const a = replica(viaServer(kube.kubeConfig, proxy.url), 'partition', 'replica-a');
    cleanups.push(() => a.elector.stop());
    a.elector.start();
    await waitFor('a leads', () => a.elector.isLeader());
    const b = replica(kube.kubeConfig, 'partition', 'replica-b');
    cleanups.push(() => b.elector.stop());
    b.elector.start();
    const stopWatch = watchOverlap([a, b]);
    await sleep(800);

    const cutAt = Date.now();
    proxy.partition();
    // A renewal already on the wire may still land after the cut, and under load one can finish well
    // before it: b must wait out the lease from replica-a's last renewal the API server stored.
    const renewals = watchRenewals('partition', 'replica-a');
    await waitFor('a gives up', () => !a.elector.isLeader());
    const gaveUpMs = Date.now() - cutAt;
    await waitFor('b leads', () => b.elector.isLeader());
    const takeoverMs = Date.now() - cutAt;
    const lastRenewalByA = await renewals.stop();
    expect(gaveUpMs).toBeLessThanOrEqual(TIMING.renewDeadlineMs + 250);
    // renewTime is taken when the renewal starts, before it lands and before b can observe it.
    expect(lastRenewalByA).toBeGreaterThan(0);
    expect(b.periods[0]!.from - lastRenewalByA).toBeGreaterThanOrEqual(TIMING.leaseDurationMs);
    expect(a.periods[0]!.to).toBeDefined();
    expect(b.periods[0]!.from).toBeGreaterThan(a.periods[0]!.to!);
    expect(stopWatch().both).toBe(0);
    expect(overlaps(a.periods, b.periods)).toBe(false);
    console.log(`partition: replica-a stopped leading ${gaveUpMs} ms after the cut, replica-b led after ${takeoverMs} ms, ${b.periods[0]!.from - lastRenewalByA} ms after replica-a's last renewal (gap ${b.periods[0]!.from - a.periods[0]!.to!} ms)`);
  });
});
