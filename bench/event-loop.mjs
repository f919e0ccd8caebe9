// `node bench/event-loop.mjs [--routes 10000] [--edits 11] [--modes in-process,worker]` (also run by
// `npm run bench`): how long the main thread's event loop is held while `portico serve` translates,
// in process (`--translate-in-process`) and on the translation worker (the default), both through
// createServePipeline, what `portico serve` reconciles with (on the worker the main thread only sends
// the changed objects and puts the worker's encoded bytes into the snapshot cache). Each mode runs in a fresh
// `node --expose-gc` child, so its memory figures are its own (the worker's heap counts in the RSS).
//
// One JSON line per mode: scenario "event-loop", mode, routes; for the from-scratch translation of the
// initial snapshot (fullMs: until every gateway is published), for one-route edits (editMs, median) and
// for one-EndpointSlice changes (endpointChangeMs, endpointMaxDelayMs, endpointP99DelayMs):
// the main thread's event-loop delay over that time, max and p99 (perf_hooks.monitorEventLoopDelay,
// 1 ms resolution: a delay is how late a timer fired, i.e. how long an xDS stream or /healthz would
// have waited); the main thread's own CPU time over it (fullMainThreadCpuMs, editMainThreadCpuMs: median;
// Linux, 10 ms ticks: on a busy machine a delay can be another process's, never more than this work
// of ours); fullMaxStepCpuMs, editMaxStepCpuMs: the longest stretch the loop was held, counted in the
// main thread's own on-CPU time over it (Linux schedstat: its work and its GC pauses, not the time
// other processes held the cores: what a delay's max cannot tell apart on a shared machine);
// heapUsedMiB (main thread, GC'd, after the initial load), peakRssMiB.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createQuarantine, createServePipeline, createServerMetrics, silentLogger } from '@portico/server';
import { Registry } from 'prom-client';
import { httpWorkload } from './generate-input.mjs';
import { CONTROLLER_NAME } from './objects.mjs';
import { changedEndpointSlice, createSnapshotSource, editedRoute, spread } from './snapshot-source.mjs';
import { median, mib, peakRssMiB, round1 } from './stats.mjs';

const MODES = ['in-process', 'worker'];


/**
 * CPU time of the main thread alone (Linux: /proc/self/task/<pid>/stat, utime + stime, in 10 ms
 * ticks), so a delay caused by other processes taking the cores is told from work of ours.
 */
function mainThreadCpuMs() {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** Nanoseconds the main thread has been on a CPU (Linux schedstat, ns resolution), or NaN. */
function mainThreadOnCpuNs() {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
}

/**
 * The longest step of ours: a 1 ms timer finds each stretch the loop was held, and the thread's
 * on-CPU time over it (schedstat) says how much of it was this thread's work (or its GC), not other
 * processes holding the cores. On a shared machine the delay's max is mostly the latter.
 */
function createStepMeter() {
  let maxCpuMs = 0;
  let timer;
  let lastAt = 0;
  let lastCpu = 0;
  return {
    start() {
      maxCpuMs = 0;
      lastAt = performance.now();
      lastCpu = mainThreadOnCpuNs();
      timer = setInterval(() => {
        const at = performance.now();
        const cpu = mainThreadOnCpuNs();
        if (at - lastAt > 5) maxCpuMs = Math.max(maxCpuMs, (cpu - lastCpu) / 1e6);
        lastAt = at;
        lastCpu = cpu;
      }, 1);
    },
    stop() {
      clearInterval(timer);
      return maxCpuMs;
    },
  };
}

/** The loop's delay over one awaited call: reset, let the monitor's first tick start its clock, call. */
async function withDelay(loop, call) {
  loop.reset();
  await sleep(3);
  const steps = createStepMeter();
  steps.start();
  const started = performance.now();
  const cpu = mainThreadCpuMs();
  const outcome = await call();
  const ms = performance.now() - started;
  const cpuMs = mainThreadCpuMs() - cpu;
  await sleep(3); // the monitor records the last blocked stretch when it next fires
  return { ms, cpuMs, outcome, maxMs: loop.max / 1e6, p99Ms: loop.percentile(99) / 1e6, maxStepCpuMs: steps.stop() };
}

/** `portico serve`'s pipeline in one mode: in process, every reconcile is one synchronous step. */
function servePipeline(mode) {
  const pipeline = createServePipeline({
    inProcess: mode === 'in-process',
    metrics: createServerMetrics(new Registry(), { processMetrics: false }),
    logger: silentLogger(),
    controllerName: CONTROLLER_NAME,
    sourceErrors: () => 0,
    quarantine: createQuarantine(),
    onSubscriberError: () => undefined,
  });
  return {
    async reconcile(snapshot) {
      const outcome = await pipeline.reconcile(snapshot);
      const failed = outcome.result !== 'success' || outcome.published.some((r) => r.outcome === 'rejected' || r.outcome === 'error');
      if (failed) throw new Error(`reconcile ${outcome.generation}: ${outcome.result} ${outcome.published.flatMap((r) => r.problems).join('; ')}`);
      return outcome.published.filter((r) => r.published).length;
    },
    close: () => pipeline.close(),
  };
}

async function measure(mode, routes, edits) {
  const workload = httpWorkload(routes);
  const source = createSnapshotSource(workload.objects);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const pipeline = servePipeline(mode);
  try {
    const full = await withDelay(loop, () => pipeline.reconcile(source.initial()));
    if (full.outcome === 0) throw new Error('initial snapshot: nothing was published');
    globalThis.gc?.();
    const heapUsedMiB = mib(process.memoryUsage().heapUsed);
    /** One-object edits of `kind`, spread over the input, each reconciled and measured. */
    const editAll = async (kind, edit) => {
      const targets = source.objects().filter((o) => o.kind === kind);
      const measured = [];
      for (const [n, at] of spread(targets.length, edits).entries()) {
        const sample = await withDelay(loop, () => pipeline.reconcile(source.upsert([edit(targets[at], n)])));
        if (sample.outcome === 0) throw new Error(`${kind} edit ${n}: nothing was published`);
        measured.push(sample);
      }
      return measured;
    };
    const samples = await editAll('HTTPRoute', editedRoute);
    const endpoints = await editAll('EndpointSlice', changedEndpointSlice);
    return {
      scenario: 'event-loop',
      mode,
      routes,
      fullMs: round1(full.ms),
      fullMaxDelayMs: round1(full.maxMs),
      fullP99DelayMs: round1(full.p99Ms),
      fullMainThreadCpuMs: full.cpuMs,
      fullMaxStepCpuMs: round1(full.maxStepCpuMs),
      editMs: round1(median(samples.map((s) => s.ms))),
      editMaxDelayMs: round1(Math.max(...samples.map((s) => s.maxMs))),
      editP99DelayMs: round1(median(samples.map((s) => s.p99Ms))),
      editMainThreadCpuMs: median(samples.map((s) => s.cpuMs)),
      editMaxStepCpuMs: round1(Math.max(...samples.map((s) => s.maxStepCpuMs))),
      endpointChangeMs: round1(median(endpoints.map((s) => s.ms))),
      endpointMaxDelayMs: round1(Math.max(...endpoints.map((s) => s.maxMs))),
      endpointP99DelayMs: round1(median(endpoints.map((s) => s.p99Ms))),
      edits: samples.length,
      heapUsedMiB,
      peakRssMiB: peakRssMiB(),
    };
  } finally {
    loop.disable();
    await pipeline.close();
  }
}

/** Runs the modes, each in a fresh child; the lines go straight to stdout. Resolves false if any failed. */
export async function runEventLoop({ routes = 10_000, edits = 11, modes = MODES } = {}) {
  let ok = true;
  for (const mode of modes) {
    console.error(`bench: event loop, ${mode}, ${routes} routes…`);
    const args = ['--expose-gc', fileURLToPath(import.meta.url), '--mode', mode, '--routes', String(routes), '--edits', String(edits)];
    const code = await new Promise((resolve) => {
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
      child.once('error', () => resolve(1));
      child.once('exit', (c) => resolve(c ?? 1));
    });
    if (code !== 0) {
      ok = false;
      console.log(JSON.stringify({ scenario: 'event-loop', mode, routes, error: `exit code ${code}` }));
    }
  }
  return ok;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      routes: { type: 'string', default: '10000' },
      edits: { type: 'string', default: '11' },
      modes: { type: 'string', default: MODES.join(',') },
      /** Internal: this process measures one mode. */
      mode: { type: 'string' },
    },
  });
  const routes = Number(values.routes);
  const edits = Number(values.edits);
  if (values.mode) {
    if (!MODES.includes(values.mode)) throw new Error(`--mode takes ${MODES.join(', ')}`);
    try {
      console.log(JSON.stringify(await measure(values.mode, routes, edits)));
    } catch (error) {
      console.error(error);
      console.log(JSON.stringify({ scenario: 'event-loop', mode: values.mode, routes, error: error instanceof Error ? error.message : String(error) }));
      process.exitCode = 1;
    }
  } else if (!(await runEventLoop({ routes, edits, modes: values.modes.split(',').map((m) => m.trim()).filter(Boolean) }))) process.exitCode = 1;
}
