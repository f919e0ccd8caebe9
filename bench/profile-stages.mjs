// Profiling driver (not part of `npm run bench`): runs one kind of work repeatedly so a CPU profile
// (`node --cpu-prof --cpu-prof-dir DIR bench/profile-stages.mjs …`) shows only it.
//
//   --mode full     full translations of the generated input (translate → buildXds → encode)
//   --mode edit     one-route edits through the server's reconciler (after an unprofiled initial load
//                   when combined with --cpu-prof: the load is included, subtract a --edits 0 run)
//   --routes N (default 10000), --runs N (full: default 5), --edits N (edit: default 20)
//   --profile DIR   write a CPU profile of the measured part only (not the input, not the initial load)
// Prints each stage's median to stderr; edits also in CPU time (process.cpuUsage: less noisy than wall
// time on a shared machine).
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createReconciler, createServerMetrics, createXdsPublisher, silentLogger } from '@portico/server';
import { envoyProtos } from '@portico/envoy';
import { Registry } from 'prom-client';
import { httpWorkload } from './generate-input.mjs';
import { mixedWorkload } from './generate-mixed.mjs';
import { CONTROLLER_NAME } from './objects.mjs';
import { createSnapshotSource, editedRoute, spread } from './snapshot-source.mjs';
import { measureFullTranslate } from './translate-stages.mjs';
import { median, round1 } from './stats.mjs';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'full' },
    scenario: { type: 'string', default: 'http' },
    routes: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '5' },
    edits: { type: 'string', default: '20' },
    profile: { type: 'string' },
  },
});
const session = new Session();

async function startProfile() {
  if (!values.profile) return;
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
}

async function stopProfile() {
  if (!values.profile) return;
  const { profile } = await session.post('Profiler.stop');
  mkdirSync(values.profile, { recursive: true });
  writeFileSync(`${values.profile}/${values.mode}.cpuprofile`, JSON.stringify(profile));
  session.disconnect();
}

envoyProtos();
const workload = (values.scenario === 'mixed' ? mixedWorkload : httpWorkload)(Number(values.routes));
if (values.mode === 'full') {
  await startProfile();
  const cpuStart = process.cpuUsage();
  const full = measureFullTranslate(workload.objects, { runs: Number(values.runs) });
  const used = process.cpuUsage(cpuStart);
  console.error(JSON.stringify({ ...full, cpuMsPerRun: round1((used.user + used.system) / 1000 / Number(values.runs)) }));
  await stopProfile();
} else {
  const publisher = createXdsPublisher();
  const reconciler = createReconciler({ publisher, metrics: createServerMetrics(new Registry()), logger: silentLogger(), controllerName: CONTROLLER_NAME });
  const source = createSnapshotSource(workload.objects);
  let start = performance.now();
  await reconciler.reconcile(source.initial());
  console.error(`initial ${round1(performance.now() - start)} ms`);
  const routes = source.objects().filter((o) => o.kind === 'HTTPRoute');
  const edits = Number(values.edits);
  const samples = [];
  const cpu = [];
  await startProfile();
  for (const [n, at] of spread(routes.length, edits).entries()) {
    const snapshot = source.upsert([editedRoute(routes[at], n)]);
    start = performance.now();
    const cpuStart = process.cpuUsage();
    await reconciler.reconcile(snapshot);
    samples.push(performance.now() - start);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  await stopProfile();
  if (edits > 0) console.error(`routeEdit median ${round1(median(samples))} ms wall, ${round1(median(cpu))} ms CPU; CPU samples ${cpu.map(round1).join(' ')}`);
}
