// `npm run bench [-- options]`: one JSON object per scenario and size on stdout (progress and the
// total time on stderr). Each size runs in a fresh child process (`node --expose-gc`), so its memory
// figures are its own.
//
//   (no options)          http at 100, 1,000 and 10,000 routes, then mixed at 1,000
//   --routes N            one size (http, or the --scenario given)
//   --scenario S          http | mixed | event-loop | ads-fanout | kube-status (the last two are never run by default)
//   event-loop            the main thread's event-loop delay (max, p99) during a from-scratch translation
//                         and one-route edits, in process vs on the translation worker (event-loop.mjs);
//                         by default at 10,000 routes after the other sizes
//   --status-qps Q, --status-burst B   kube-status: the status writer's rate (default portico serve's 200/500;
//                         see kube-status.mjs); kube-status needs etcd + kube-apiserver (install-kube-tools.sh)
//   --emit-yaml FILE      write the generated input (--routes N, --scenario http|mixed) as multi-document
//                         YAML instead of measuring, e.g. for `egctl x translate` or `portico translate`
//   --runs N              full translations per figure (default 5); ads-fanout: updates per figure
//   --edits N             route edits, and endpoint changes, per figure (default 11; a figure stops
//                         after 3 once its edits took 30 s)
//   --churn-rounds N, --churn-routes N   routes created then deleted, N times (default 10 × 1,000)
//   --clients a,b,c, --protocols sotw,delta, --client-threads N   ads-fanout (see ads-fanout.mjs; the
//                         clients' worker threads, default 2); --clients implies it
//
// Keys of every scenario line (see README "Benchmarks"): scenario, routes, objects, gateways,
// gatewayApiToIrMs, irToXdsMs, encodeMs, fullTranslateMs (their sum, median of the runs),
// encodedBytes, encodedResources, initialReconcileMs, routeEditMs, endpointChangeMs (medians through
// the server's reconciler), their *Samples and *PushedResources/*PushedBytes (what the edit changed
// in the served snapshots), churnCreateMs, churnDeleteMs, maxSyncStepMs (longest event-loop block of
// any reconcile, the initial load included), maxSyncStepAfterStartMs (the same after the initial
// load) and maxSyncStepAfterStartIn (which kind of reconcile it was), maxSyncStepOfEditsMs (during
// route edits and endpoint changes), heapUsedMiB (after the initial load, GC'd), peakHeapUsedMiB, peakRssMiB, rssStartMiB,
// rssAfterChurnMiB (GC'd), protoLoadMs, durationMs. A size that fails prints {scenario, routes, error}
// and the run exits 1.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { envoyProtos } from '@portico/envoy';
import { runAdsFanout } from './ads-fanout.mjs';
import { runEventLoop } from './event-loop.mjs';
import { measureKubeStatus } from './kube-status.mjs';
import { writeYaml } from './emit-yaml.mjs';
import { httpWorkload } from './generate-input.mjs';
import { mixedWorkload } from './generate-mixed.mjs';
import { measureReconciles } from './reconcile-bench.mjs';
import { createHeapPeak, peakRssMiB, round1 } from './stats.mjs';
import { measureFullTranslate } from './translate-stages.mjs';

const WORKLOADS = { http: httpWorkload, mixed: mixedWorkload };
const DEFAULT_SIZES = { http: [100, 1000, 10_000], mixed: [1000] };
const PROTOCOLS = ['sotw', 'delta'];
const MEASURE_OPTIONS = ['runs', 'edits', 'churn-rounds', 'churn-routes'];

const { values } = parseArgs({
  options: {
    scenario: { type: 'string' },
    routes: { type: 'string' },
    'emit-yaml': { type: 'string' },
    runs: { type: 'string', default: '5' },
    edits: { type: 'string', default: '11' },
    'churn-rounds': { type: 'string', default: '10' },
    'churn-routes': { type: 'string', default: '1000' },
    clients: { type: 'string' },
    protocols: { type: 'string', default: 'sotw,delta' },
    'client-threads': { type: 'string' },
    'status-qps': { type: 'string' },
    'status-burst': { type: 'string' },
    /** Internal: this process is the child measuring one scenario and size. */
    child: { type: 'boolean', default: false },
  },
});

const list = (text) => text.split(',').map((s) => s.trim()).filter(Boolean);

function count(name) {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a positive whole number, not ${values[name]}`);
  return n;
}

function workloadName() {
  const scenario = values.scenario ?? 'http';
  if (!(scenario in WORKLOADS)) throw new Error(`--scenario must be one of ${[...Object.keys(WORKLOADS), 'ads-fanout', 'kube-status'].join(', ')}`);
  return scenario;
}

/** One scenario at one size, in this process: the JSON line. */
async function measureOne(scenario, routes) {
  const started = performance.now();
  const base = { scenario, routes };
  try {
    const heap = createHeapPeak();
    let start = performance.now();
    envoyProtos();
    const protoLoadMs = round1(performance.now() - start);
    const workload = WORKLOADS[scenario](routes);
    const full = measureFullTranslate(workload.objects, { runs: count('runs'), onSample: heap.sample });
    const incremental = await measureReconciles(workload, {
      edits: count('edits'),
      churnRounds: count('churn-rounds'),
      churnRoutes: count('churn-routes'),
      onSample: heap.sample,
    });
    const { gateways, ...rest } = incremental;
    return { ...base, objects: workload.objects.length, gateways, ...full, ...rest, peakHeapUsedMiB: heap.mib(), peakRssMiB: peakRssMiB(), protoLoadMs, durationMs: Math.round(performance.now() - started) };
  } catch (error) {
    process.exitCode = 1;
    console.error(error);
    return { ...base, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Runs one size in a fresh `node --expose-gc` child; its line goes straight to our stdout. */
function runChild(scenario, routes) {
  const args = ['--expose-gc', fileURLToPath(import.meta.url), '--child', '--scenario', scenario, '--routes', String(routes)];
  for (const name of MEASURE_OPTIONS) args.push(`--${name}`, values[name]);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', (error) => resolve({ code: 1, error }));
    child.once('exit', (code, signal) => resolve({ code: code ?? 1, error: signal ? new Error(`killed by ${signal}`) : undefined }));
  }).then(({ code, error }) => {
    if (code === 0) return;
    process.exitCode = 1;
    // A child that died before printing (out of memory, a signal) still gets its line.
    if (error) console.log(JSON.stringify({ scenario, routes, error: error.message }));
  });
}

async function main() {
  if (values.child) {
    console.log(JSON.stringify(await measureOne(workloadName(), count('routes'))));
    return;
  }
  if (values['emit-yaml']) {
    const scenario = workloadName();
    const { objects } = WORKLOADS[scenario](values.routes ? count('routes') : 100);
    writeYaml(values['emit-yaml'], objects);
    console.error(`bench: wrote ${objects.length} objects (${scenario}, ${values.routes ?? 100} routes) to ${values['emit-yaml']}`);
    return;
  }
  if (values.scenario === 'kube-status') {
    const statusRate = values['status-qps'] ? { qps: count('status-qps'), burst: values['status-burst'] ? count('status-burst') : count('status-qps') * 2 } : undefined;
    try {
      console.log(JSON.stringify(await measureKubeStatus({ routes: values.routes ? count('routes') : 1000, statusRate })));
    } catch (error) {
      process.exitCode = 1;
      console.error(error);
      console.log(JSON.stringify({ scenario: 'kube-status', routes: values.routes ? count('routes') : 1000, error: error.message }));
    }
    return;
  }
  if (values.scenario === 'ads-fanout' || (values.clients && !values.scenario)) {
    const protocols = list(values.protocols);
    if (protocols.some((p) => !PROTOCOLS.includes(p))) throw new Error(`--protocols takes ${PROTOCOLS.join(', ')}`);
    await runAdsFanout({
      clients: values.clients ? list(values.clients).map(Number) : [1, 100, 1000],
      routes: values.routes ? count('routes') : 1000,
      updates: count('runs'),
      protocols,
      ...(values['client-threads'] ? { clientThreads: count('client-threads') } : {}),
    });
    return;
  }
  if (values.scenario === 'event-loop') {
    if (!(await runEventLoop({ routes: values.routes ? count('routes') : 10_000, edits: count('edits') }))) process.exitCode = 1;
    return;
  }
  const plan = values.routes
    ? [[workloadName(), count('routes')]]
    : values.scenario
      ? DEFAULT_SIZES[workloadName()].map((n) => [values.scenario, n])
      : Object.entries(DEFAULT_SIZES).flatMap(([scenario, sizes]) => sizes.map((n) => [scenario, n]));
  const started = performance.now();
  for (const [scenario, routes] of plan) {
    console.error(`bench: ${scenario} at ${routes} routes…`);
    await runChild(scenario, routes);
  }
  if (!values.scenario && !values.routes && !(await runEventLoop({ routes: 10_000, edits: count('edits') }))) process.exitCode = 1;
  console.error(`bench: ${plan.length} run(s) in ${Math.round((performance.now() - started) / 1000)} s`);
}

await main();
