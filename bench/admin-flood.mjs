// `node bench/admin-flood.mjs [--routes 10000] [--dumps 10] [--format yaml] [--portico BIN]`: the admin
// flood of issue 12 item 6. A real `portico serve` on N generated routes (the mixed scenario); once ready,
// D concurrent `/debug/xds?format=F` requests while /healthz is polled one request after another; then the
// same flood again (the dumps are cached by then). Prints one JSON object: per round the dump statuses and
// durations, the /healthz latencies (max, p99, count), and the server's own event-loop delay (prom-client's
// `nodejs_eventloop_lag_max_seconds`, perf_hooks.monitorEventLoopDelay, reset at each scrape: scraped just
// before and just after each round) and its resident memory after each round (VmRSS). `--portico` runs
// another build (e.g. an older checkout) for a before/after.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeYaml } from './emit-yaml.mjs';
import { freePort } from './free-port.mjs';
import { mixedWorkload } from './generate-mixed.mjs';
import { round1 } from './stats.mjs';

const { values } = parseArgs({
  options: {
    routes: { type: 'string', default: '10000' },
    dumps: { type: 'string', default: '10' },
    format: { type: 'string', default: 'yaml' },
    rounds: { type: 'string', default: '2' },
    portico: { type: 'string', default: fileURLToPath(new URL('../packages/cli/bin/portico.js', import.meta.url)) },
    'timeout-s': { type: 'string', default: '600' },
  },
});

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function lagMaxMs(admin) {
  const text = await (await fetch(`${admin}/metrics`)).text();
  const match = /^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text);
  return match ? round1(Number(match[1]) * 1000) : undefined;
}

/** Polls /healthz one request after another until `done` resolves; the latency of each. */
async function pollHealth(admin, done) {
  const latencies = [];
  let finished = false;
  void done.then(() => (finished = true));
  while (!finished) {
    const started = performance.now();
    const status = await fetch(`${admin}/healthz`).then((r) => r.status, () => 0);
    latencies.push(performance.now() - started);
    if (status !== 200) throw new Error(`/healthz answered ${status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return latencies;
}

function rssMiB(pid) {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : undefined;
}

async function flood(admin, dumps, format, pid) {
  await lagMaxMs(admin);
  const started = performance.now();
  const requests = Array.from({ length: dumps }, async () => {
    const t = performance.now();
    const response = await fetch(`${admin}/debug/xds?format=${format}`);
    const body = await response.arrayBuffer();
    return { status: response.status, ms: Math.round(performance.now() - t), bytes: body.byteLength };
  });
  const all = Promise.all(requests);
  const health = await pollHealth(admin, all);
  const results = await all;
  const sorted = [...health].sort((a, b) => a - b);
  return {
    durationMs: Math.round(performance.now() - started),
    dumpStatuses: results.map((r) => r.status),
    dumpMs: results.map((r) => r.ms),
    dumpBytes: Math.max(...results.map((r) => r.bytes)),
    healthzCount: health.length,
    healthzMaxMs: round1(sorted.at(-1) ?? 0),
    healthzP99Ms: round1(percentile(sorted, 99)),
    eventLoopLagMaxMs: await lagMaxMs(admin),
    rssAfterMiB: rssMiB(pid),
  };
}

const routes = Number(values.routes);
const directory = mkdtempSync(join(tmpdir(), 'portico-admin-flood-'));
writeYaml(join(directory, 'input.yaml'), mixedWorkload(routes).objects);
const adminPort = await freePort();
const admin = `http://127.0.0.1:${adminPort}`;
const child = spawn(process.execPath, [values.portico, 'serve', '--resources', directory, '--xds-address', '127.0.0.1:0', '--admin-address', `127.0.0.1:${adminPort}`, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
const killer = setTimeout(() => child.kill('SIGKILL'), Number(values['timeout-s']) * 1000);
try {
  const spawned = performance.now();
  while ((await fetch(`${admin}/readyz`).then((r) => r.status, () => 0)) !== 200) {
    if (child.exitCode !== null) throw new Error(`portico serve exited ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const readyMs = Math.round(performance.now() - spawned);
  const rssReadyMiB = rssMiB(child.pid);
  const rounds = [];
  for (let i = 0; i < Number(values.rounds); i++) rounds.push(await flood(admin, Number(values.dumps), values.format, child.pid));
  console.log(JSON.stringify({ scenario: 'admin-flood', routes, dumps: Number(values.dumps), format: values.format, portico: values.portico, readyMs, rssReadyMiB, rounds }));
} finally {
  clearTimeout(killer);
  child.kill('SIGTERM');
  rmSync(directory, { recursive: true, force: true });
}
