// The ads-fanout scenario (issue 4, "Done means"): time from a snapshot update to the last of N
// connected ADS clients receiving it, with a 1,000-route snapshot, and the bytes encoded per update.
//
// The real thing end to end, in one process: the gRPC xDS server (createXdsGrpcServer on 127.0.0.1:0)
// over a snapshot cache, fed the way the composition root feeds it (translate → buildXds(ir,
// { proxyless: true }) → encodeResources → cachedResourcesFrom → setSnapshot of gateway default/bench);
// N Envoy-like clients on real StreamAggregatedResources (or DeltaAggregatedResources) streams, in
// worker threads (ads-fanout-clients.mjs). Once all N are in sync, each update edits one HTTPRoute (one
// header match value), re-translates and publishes; the clock runs from the call to setSnapshot to the
// arrival, at each client, of the RDS response carrying the new snapshot version. Figures are medians
// over the updates.
//
// Encode once: every resource is encoded by encodeResources once per update, before the snapshot is
// published, whatever N is; the streams send the cached bytes. encodedBytesPerUpdate is those bytes (it
// must not grow with N); changedBytesPerUpdate the part whose version changed (what clients must get);
// bytesSentPerUpdate the resource bytes of every push of the new version, summed over the streams (the
// server's push events): N times what one client subscribes to of the changed bytes.
// serverBusyMsPerUpdate is the main thread's busy time from the update until every client ACKed it
// (event-loop utilization): the server's work alone, since the clients decode in their worker thread;
// setSnapshotMs the synchronous part of it (the streams' diffs; encoding and writes come after).
// On a loaded machine that busy time includes moments the thread waited for a core, so
// processCpuMsPerUpdate gives the CPU time of the whole process (server and clients) for the update.
// clientsBusyMsPerUpdate is the busiest client thread's busy time until the last client had the update:
// the clients are spread over clientThreads worker threads (default 2, whole channels of 100 streams
// each), so when it comes close to updateToLastClientMs, the clients' decoding, not the server, is what
// bounds the figure.
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { TYPE_URLS } from '@portico/envoy';
import { ResourceSet } from '@portico/resources';
import { translate } from '@portico/translator';
import { buildXds, consistencyProblems, encodeResources } from '@portico/xds';
import { cachedResourcesFrom, createSnapshotCache, createXdsGrpcServer } from '@portico/xds-server';
import { generateObjects } from './generate-input.mjs';

const GATEWAY = 'default/bench';
/** The route table of the gateway's one listener (HTTP, port 80): what every Envoy asks RDS for. */
const ROUTE_TABLE = `${GATEWAY}/http-80`;
const STREAMS_PER_CHANNEL = 100;
/**
 * Client threads the clients are spread over (whole channels each). Real Envoys are other processes
 * on other machines; on one thread, 1,000 clients' decoding (about 400 ms per update) bounded the
 * figure once the server's share fell to about 120 ms. Two threads is what a 2-core machine can give.
 */
const DEFAULT_CLIENT_THREADS = 2;
/** Bound on every wait: connecting a channel's streams, one update reaching every client, quiescing. */
const WAIT_MS = 120_000;
const RSS_SAMPLE_MS = 20;
const POLL_MS = 20;

const KINDS = ['listeners', 'routes', 'clusters', 'endpoints', 'secrets'];
const TYPE_URL_OF = { listeners: TYPE_URLS.listener, routes: TYPE_URLS.route, clusters: TYPE_URLS.cluster, endpoints: TYPE_URLS.endpoint, secrets: TYPE_URLS.secret };

const mib = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round1 = (x) => Math.round(x * 10) / 10;
const nsToMs = (ns) => Number(ns) / 1e6;
const sumBytes = (resources) => resources.reduce((n, r) => n + r.bytes.byteLength, 0);

/**
 * Prints one JSON line per protocol and client count. `updates` route edits are measured per line.
 * A client count that fails (a timeout, a stream error) prints an `error` line and the others still run.
 */
export async function runAdsFanout({ clients, routes = 1000, updates = 5, protocols = ['sotw', 'delta'], clientThreads = DEFAULT_CLIENT_THREADS }) {
  const steps = prepareSteps(routes, updates);
  for (const count of clients) {
    for (const protocol of protocols) {
      const base = { scenario: 'ads-fanout', protocol, clients: count, routes };
      try {
        console.log(JSON.stringify({ ...base, ...(await measureFanout(protocol, count, steps, clientThreads)) }));
      } catch (error) {
        console.log(JSON.stringify({ ...base, error: error.message }));
      }
    }
  }
}

// ---- The snapshots: translated and encoded once, before any clock runs, and reused for every N ----

/** The initial gateway and `updates` successive edits of it, each one HTTPRoute header value apart. */
function prepareSteps(routes, updates) {
  let objects = generateObjects(routes);
  const steps = [encodeGateway(objects)];
  for (let u = 1; u <= updates; u++) {
    // Different routes (spread over the hosts) and values: each update changes exactly one route.
    objects = withHeaderValue(objects, `route-${(u * 211) % routes}`, `edited-${u}`);
    steps.push(encodeGateway(objects));
  }
  return steps;
}

/** A copy of `objects` where HTTPRoute `name`'s first header match has `value`. */
function withHeaderValue(objects, name, value) {
  return objects.map((o) => {
    if (o.kind !== 'HTTPRoute' || o.metadata.name !== name) return o;
    const edited = structuredClone(o);
    edited.spec.rules[0].matches[0].headers[0].value = value;
    return edited;
  });
}

/** What the control plane publishes for the gateway: encoded resources and the consistency verdict. */
function encodeGateway(objects) {
  const { gateways } = translate(ResourceSet.from(objects), { now: new Date(0) });
  const ir = gateways.get(GATEWAY);
  if (!ir) throw new Error(`translation produced no gateway ${GATEWAY}`);
  const xds = buildXds(ir, { proxyless: true });
  const encoded = encodeResources(xds);
  return { encoded, problems: consistencyProblems(xds), encodedBytes: KINDS.reduce((n, kind) => n + sumBytes(encoded[kind]), 0) };
}

/**
 * The snapshot's resources by type URL. Proxyless API listeners and their tables go only to clients
 * naming them (wildcard false), as in the composition root; unchanged resources keep the current
 * snapshot's instances (and bytes).
 */
function snapshotResources(encoded, current) {
  const namedOnly = encoded.namedOnly ?? new Set();
  return new Map(
    KINDS.map((kind) => {
      const typeUrl = TYPE_URL_OF[kind];
      const previous = current?.resources.get(typeUrl);
      const list = encoded[kind];
      const forEveryone = cachedResourcesFrom(list.filter((r) => !namedOnly.has(r.name)), true, previous);
      const namedOnlyOnes = cachedResourcesFrom(list.filter((r) => namedOnly.has(r.name)), false, previous);
      return [typeUrl, [...forEveryone, ...namedOnlyOnes]];
    }),
  );
}

/** Bytes of the resources of `after` that `before` did not have at that version. */
function changedBytes(before, after) {
  let bytes = 0;
  for (const [typeUrl, resources] of after.resources) {
    for (const [name, r] of resources) if (before.resources.get(typeUrl)?.get(name)?.version !== r.version) bytes += r.bytes.byteLength;
  }
  return bytes;
}

/** What an Envoy of the gateway subscribes to: every cluster and listener, their endpoints and routes by name. */
function envoySubscriptions(step) {
  return [
    { typeUrl: TYPE_URLS.cluster, names: [] },
    { typeUrl: TYPE_URLS.endpoint, names: step.encoded.endpoints.map((r) => r.name) },
    { typeUrl: TYPE_URLS.listener, names: [] },
    { typeUrl: TYPE_URLS.route, names: [ROUTE_TABLE] },
  ];
}

// ---- One measured run: a server, N clients, the updates ----

async function measureFanout(protocol, count, steps, clientThreads) {
  const rss = sampleRss();
  const plane = await startControlPlane();
  let clients;
  try {
    plane.publish(steps[0]);
    const subscriptions = envoySubscriptions(steps[0]);
    const syncStart = process.hrtime.bigint();
    clients = startClients({ port: plane.port, protocol, clients: count, perChannel: STREAMS_PER_CHANNEL, gateway: GATEWAY, subscriptions, timeoutMs: WAIT_MS }, clientThreads);
    const { channels } = await clients.next('ready');
    await plane.quiesce(count, subscriptions);
    const initialSyncMs = nsToMs(process.hrtime.bigint() - syncStart);

    const runs = [];
    for (const step of steps.slice(1)) runs.push(await measureUpdate(plane, clients, step, count, subscriptions, rss));
    const pick = (key) => round1(median(runs.map((r) => r[key])));
    return {
      channels,
      clientThreads: clients.threads,
      updates: runs.length,
      updateToLastClientMs: pick('lastMs'),
      updateToMedianClientMs: pick('medianMs'),
      setSnapshotMs: pick('setSnapshotMs'),
      serverBusyMsPerUpdate: pick('serverBusyMs'),
      processCpuMsPerUpdate: pick('processCpuMs'),
      clientsBusyMsPerUpdate: pick('clientsBusyMs'),
      encodedBytesPerUpdate: median(runs.map((r) => r.encodedBytes)),
      changedBytesPerUpdate: median(runs.map((r) => r.changedBytes)),
      bytesSentPerUpdate: median(runs.map((r) => r.bytesSent)),
      pushesPerUpdate: median(runs.map((r) => r.pushes)),
      initialSyncMs: round1(initialSyncMs),
      peakRssMiB: mib(rss.peak()),
    };
  } finally {
    rss.stop();
    await clients?.close();
    await plane.close();
  }
}

/** Publishes one edit and times its arrival at every client; returns once the server saw every ACK. */
async function measureUpdate(plane, clients, step, count, subscriptions, rss) {
  const before = plane.cache.snapshot(GATEWAY);
  const busyBefore = performance.eventLoopUtilization();
  const cpuBefore = process.cpuUsage();
  const { version, at, setSnapshotMs } = plane.publish(step);
  rss.sample(); // the moment every stream's response is queued: the likely peak
  clients.post({ kind: 'expect', typeUrl: TYPE_URLS.route, version });
  const { times, busyMs: clientsBusyMs } = await clients.next('received');
  const latencies = times.map((t) => nsToMs(t - at));
  await plane.quiesce(count, subscriptions);
  // The server's own work for the update (diffs, encoding, HTTP/2 writes, the ACKs), apart from the
  // clients' decoding, which runs in the worker thread: this thread's busy time until every ACK came.
  const serverBusyMs = performance.eventLoopUtilization(busyBefore).active;
  const cpu = process.cpuUsage(cpuBefore);
  const pushed = plane.pushedOf(version);
  return {
    serverBusyMs,
    processCpuMs: (cpu.user + cpu.system) / 1000,
    clientsBusyMs,
    lastMs: Math.max(...latencies),
    medianMs: median(latencies),
    setSnapshotMs,
    encodedBytes: step.encodedBytes,
    changedBytes: changedBytes(before, plane.cache.snapshot(GATEWAY)),
    bytesSent: pushed.bytes,
    pushes: pushed.pushes,
  };
}

/** The xDS server on a free local port over a fresh snapshot cache, with push accounting. */
async function startControlPlane() {
  // The consistency gate sees the verdict computed with the step (as the composition root wires it).
  let pendingProblems = [];
  const cache = createSnapshotCache({ checkConsistency: () => pendingProblems });
  const pushed = new Map(); // snapshot version → { pushes, bytes }
  const nacks = [];
  const server = createXdsGrpcServer({
    watcher: cache,
    address: '127.0.0.1:0',
    onEvent(event) {
      if (event.kind === 'nack') nacks.push(event.message);
      if (event.kind !== 'push') return;
      const total = pushed.get(event.version) ?? { pushes: 0, bytes: 0 };
      pushed.set(event.version, { pushes: total.pushes + 1, bytes: total.bytes + event.bytes });
    },
  });
  const port = await server.start();
  return {
    cache,
    port,
    /** Publishes a step; `at` is the instant setSnapshot was called (hrtime, ns). */
    publish(step) {
      const resources = snapshotResources(step.encoded, cache.snapshot(GATEWAY));
      pendingProblems = step.problems;
      const at = process.hrtime.bigint();
      const result = cache.setSnapshot(GATEWAY, resources);
      const setSnapshotMs = nsToMs(process.hrtime.bigint() - at);
      if (!result.published) throw new Error(`snapshot not published: ${result.problems.join('; ') || 'unchanged'}`);
      return { version: result.version, at, setSnapshotMs };
    },
    pushedOf: (version) => pushed.get(version) ?? { pushes: 0, bytes: 0 },
    /** Resolves when `count` streams are connected and the server has the ACK of everything it sent. */
    quiesce(count, subscriptions) {
      const settled = (client) => subscriptions.every(({ typeUrl }) => {
        const t = client.types[typeUrl];
        return t?.sentVersion !== undefined && t.ackedVersion === t.sentVersion;
      });
      return until(
        () => {
          if (nacks.length > 0) throw new Error(`a client NACKed: ${nacks[0]}`);
          const list = server.clients();
          return list.length === count && list.every(settled);
        },
        WAIT_MS,
        () => `the server to see ${count} clients ACK everything`,
      );
    },
    close: () => server.shutdown(2_000),
  };
}

// ---- The client workers ----

/**
 * Starts the clients over `threads` worker threads, whole channels each; `next(kind)` waits for that
 * message from every thread and merges them: 'ready' sums the channels, 'received' joins the receipt
 * times, and its busy time is the busiest thread's (they run side by side).
 */
function startClients(workerData, threads) {
  const channels = Math.ceil(workerData.clients / workerData.perChannel);
  const used = Math.max(1, Math.min(threads, channels));
  const workers = [];
  for (let t = 0, first = 0; t < used; t++) {
    const share = Math.ceil((channels - Math.ceil(first / workerData.perChannel)) / (used - t)) * workerData.perChannel;
    const clients = Math.min(share, workerData.clients - first);
    workers.push(startClientThread({ ...workerData, clients, firstClient: first }));
    first += clients;
  }
  return {
    threads: used,
    post: (message) => workers.forEach((w) => w.post(message)),
    async next(kind) {
      const messages = await Promise.all(workers.map((w) => w.next(kind)));
      if (kind === 'ready') return { kind, channels: messages.reduce((n, m) => n + m.channels, 0) };
      if (kind === 'received') return { kind, times: messages.flatMap((m) => m.times), busyMs: Math.max(...messages.map((m) => m.busyMs)) };
      return messages[0];
    },
    close: () => Promise.all(workers.map((w) => w.close())),
  };
}

/** Starts one client worker; `next(kind)` waits (bounded) for its next message of that kind. */
function startClientThread(workerData) {
  const worker = new Worker(new URL('./ads-fanout-clients.mjs', import.meta.url), { workerData });
  const inbox = [];
  let failure;
  let exited = false;
  let wake = () => {};
  worker.on('message', (message) => {
    if (message.kind === 'error') failure ??= new Error(`clients: ${message.message}`);
    else inbox.push(message);
    wake();
  });
  worker.on('error', (error) => {
    failure ??= error;
    wake();
  });
  const exit = new Promise((resolve) => worker.once('exit', () => resolve((exited = true))));

  return {
    post: (message) => worker.postMessage(message),
    async next(kind) {
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        if (failure) throw failure;
        const i = inbox.findIndex((m) => m.kind === kind);
        if (i >= 0) return inbox.splice(i, 1)[0];
        if (exited) throw new Error(`client worker exited before '${kind}'`);
        if (Date.now() > deadline) throw new Error(`no '${kind}' from the clients within ${WAIT_MS} ms`);
        await Promise.race([new Promise((resolve) => (wake = resolve)), delay(1_000), exit]);
      }
    },
    /** Asks the worker to close its streams and channels and exit; terminates it if it does not. */
    async close() {
      worker.postMessage({ kind: 'close' });
      if ((await Promise.race([exit, delay(10_000)])) !== true) await worker.terminate();
    },
  };
}

// ---- Small helpers ----

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Polls `check` until it holds (rejects if it throws); rejects after `timeoutMs`. */
function until(check, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      try {
        if (check()) {
          clearInterval(timer);
          resolve();
        } else if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
      } catch (error) {
        clearInterval(timer);
        reject(error);
      }
    }, POLL_MS);
  });
}

/**
 * The highest RSS of this run (the whole process: server and client worker), sampled every 20 ms and
 * when asked. process.resourceUsage().maxRSS would carry the peak of earlier runs into this one.
 */
function sampleRss() {
  let peak = process.memoryUsage.rss();
  const sample = () => (peak = Math.max(peak, process.memoryUsage.rss()));
  const timer = setInterval(sample, RSS_SAMPLE_MS);
  return { sample, peak: () => sample(), stop: () => clearInterval(timer) };
}
