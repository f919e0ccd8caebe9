// Incremental figures, through the server's own path: a reconciler and an xDS publisher built as
// `portico serve` builds them (createReconciler + createXdsPublisher from @portico/server, the real
// metrics, a silent logger), fed provider-like snapshots (snapshot-source.mjs). Each figure is the
// time from calling `reconcile()` to its return (or its promise settling): by then the publisher's
// snapshot cache holds the new encoded resources and every subscribed stream has been told.
//
// - routeEditMs: one HTTPRoute replaced by an edited copy (other objects the same instances).
// - endpointChangeMs: one EndpointSlice whose endpoint list changed.
// - churn: from the loaded state, 1,000 HTTPRoutes created in one snapshot then deleted in the next,
//   10 times; RSS after a full GC before and after.
// - maxSyncStepMs: the longest the event loop was blocked during any reconcile (a synchronous
//   `reconcile()` is one step; an asynchronous one is measured with monitorEventLoopDelay); also
//   after the initial load (and during which kind of reconcile), and during single-object edits.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { createReconciler, createServerMetrics, createXdsPublisher, silentLogger } from '@portico/server';
import { Registry } from 'prom-client';
import { CONTROLLER_NAME } from './objects.mjs';
import { changedEndpointSlice, createSnapshotSource, editedRoute, spread } from './snapshot-source.mjs';
import { median, mib, round1, rssMiB } from './stats.mjs';

/**
 * `edits`: route edits and endpoint changes measured (each on a different object); a figure stops
 * early, after at least 3, once its samples took `budgetMs`. `churnRounds` × `churnRoutes` routes
 * created and deleted.
 */
export async function measureReconciles(workload, { edits = 11, budgetMs = 30_000, churnRounds = 10, churnRoutes = 1000, onSample = () => {} }) {
  const publisher = createXdsPublisher();
  const reconciler = createReconciler({ publisher, metrics: createServerMetrics(new Registry()), logger: silentLogger(), controllerName: CONTROLLER_NAME });
  const source = createSnapshotSource(workload.objects);
  const clock = createStepClock();

  /** `step` names the kind of reconcile in the report; `detail` which one, in errors. */
  const reconcile = async (snapshot, step, detail = '') => {
    const what = `${step}${detail}`;
    const before = servedResources(publisher.cache);
    const timed = await clock.time(() => reconciler.reconcile(snapshot), step);
    onSample();
    const { outcome } = timed;
    const failed = outcome.result !== 'success' ? outcome.result : outcome.published.find((r) => r.outcome === 'rejected' || r.outcome === 'error');
    if (failed) throw new Error(`${what}: reconcile ${typeof failed === 'string' ? failed : `${failed.gateway} ${failed.outcome}: ${failed.problems.join('; ')}`}`);
    return { ...timed, pushed: pushedResources(before, servedResources(publisher.cache)) };
  };

  const initial = await reconcile(source.initial(), 'initial load');
  const gateways = publisher.cache.gateways().length;
  if (gateways === 0) throw new Error('initial snapshot: no gateway was published');
  const rssStartMiB = await settledRssMiB();
  const heapUsedMiB = mib(process.memoryUsage().heapUsed);

  const routeEdit = await measureEdits('route edit', 'HTTPRoute', editedRoute);
  const endpointChange = await measureEdits('endpoint change', 'EndpointSlice', changedEndpointSlice);

  const churnAdd = [];
  const churnDelete = [];
  for (let round = 0; round < churnRounds; round++) {
    const added = Array.from({ length: churnRoutes }, (_, j) => workload.churnRoute(`churn-${j}`, workload.routes + j));
    churnAdd.push((await reconcile(source.upsert(added), 'churn create', ` (round ${round})`)).ms);
    churnDelete.push((await reconcile(source.remove(added), 'churn delete', ` (round ${round})`)).ms);
  }
  const rssAfterChurnMiB = await settledRssMiB();
  clock.stop();

  return {
    gateways,
    initialReconcileMs: round1(initial.ms),
    routeEditMs: round1(median(routeEdit.map((s) => s.ms))),
    routeEditSamples: routeEdit.length,
    routeEditPushedResources: median(routeEdit.map((s) => s.pushed.count)),
    routeEditPushedBytes: median(routeEdit.map((s) => s.pushed.bytes)),
    endpointChangeMs: round1(median(endpointChange.map((s) => s.ms))),
    endpointChangeSamples: endpointChange.length,
    endpointChangePushedResources: median(endpointChange.map((s) => s.pushed.count)),
    endpointChangePushedBytes: median(endpointChange.map((s) => s.pushed.bytes)),
    churnCreateMs: round1(median(churnAdd)),
    churnDeleteMs: round1(median(churnDelete)),
    maxSyncStepMs: round1(clock.longest().ms),
    maxSyncStepAfterStartMs: round1(clock.longest(1).ms),
    maxSyncStepAfterStartIn: clock.longest(1).what,
    maxSyncStepOfEditsMs: round1(clock.longest(1, ['route edit', 'endpoint change']).ms),
    heapUsedMiB,
    rssStartMiB,
    rssAfterChurnMiB,
  };

  /** Edits of different objects of `kind`, spread over the input, each reconciled and timed. */
  async function measureEdits(what, kind, edit) {
    const targets = source.objects().filter((o) => o.kind === kind);
    const samples = [];
    let spent = 0;
    for (const [n, at] of spread(targets.length, edits).entries()) {
      if (samples.length >= 3 && spent >= budgetMs) break;
      const sample = await reconcile(source.upsert([edit(targets[at], n)]), what, ` ${n}`);
      if (!sample.outcome.published.some((r) => r.published)) throw new Error(`${what} ${n}: nothing was published`);
      samples.push(sample);
      spent += sample.ms;
    }
    return samples;
  }
}

/**
 * Times calls that may return a promise, and the longest the event loop stayed blocked while each
 * ran: the synchronous part of the call itself, or the worst delay monitorEventLoopDelay saw.
 */
function createStepClock() {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const steps = [];
  return {
    /** `what` names the step in the report (e.g. `route edit`). */
    async time(call, what) {
      await nextTurn();
      loop.reset();
      const start = performance.now();
      const returned = call();
      const syncMs = performance.now() - start;
      const outcome = await returned;
      const ms = performance.now() - start;
      await sleep(3); // the loop monitor's timer records the last blocked stretch when it next fires
      const blockedMs = loop.count > 0 ? loop.max / 1e6 : 0;
      steps.push({ ms: Math.max(syncMs, blockedMs), what });
      return { ms, outcome };
    },
    /** The longest step, skipping the first `skip` calls (the initial load), of the steps named `only`. */
    longest: (skip = 0, only = undefined) =>
      steps
        .slice(skip)
        .filter((step) => !only || only.includes(step.what))
        .reduce((a, b) => (b.ms > a.ms ? b : a), { ms: 0, what: 'none' }),
    stop: () => loop.disable(),
  };
}

/** Every served resource instance, by gateway, type URL and name. */
function servedResources(cache) {
  const served = new Map();
  for (const gateway of cache.gateways()) {
    for (const [typeUrl, byName] of cache.snapshot(gateway)?.resources ?? []) {
      for (const [name, resource] of byName) served.set(`${gateway} ${typeUrl} ${name}`, resource);
    }
  }
  return served;
}

/** Resources new or changed (a new instance: the cache keeps the instance of an unchanged one), or removed. */
function pushedResources(before, after) {
  let count = 0;
  let bytes = 0;
  for (const [key, resource] of after) {
    if (before.get(key) === resource) continue;
    count += 1;
    bytes += resource.bytes.byteLength;
  }
  for (const key of before.keys()) if (!after.has(key)) count += 1;
  return { count, bytes };
}

async function settledRssMiB() {
  if (typeof globalThis.gc !== 'function') throw new Error('run node with --expose-gc (bench/run.mjs starts its children so)');
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await nextTurn();
  }
  return rssMiB();
}
