/**
 * `npm run cluster -- up|down|status|run`: the cluster harness by hand.
 *   up      starts the cluster in the background (`run`, detached, output in <stateDir>.log),
 *           waits until it is ready and prints the kubeconfig and how to use it;
 *   run     the same in the foreground, until Ctrl-C / SIGTERM;
 *   down    stops it (SIGTERM to `run`), then removes whatever is left — also after a crash; a cluster
 *           a test or `npm run conformance` owns is left to it (`down --force` takes it anyway);
 *   status  says whether one runs and prints its config.
 * A node agent is started when e2e/cluster/node-agent/index.js exists and exports startNodeAgent.
 * Needs root and the binaries: eval "$(bash scripts/install-kube-tools.sh)".
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeAgentStarter } from './cluster-config.js';
import { CONFIG_FILE, cleanupCluster, defaultStateDir, readClusterConfig, recordedOwner, runningOwner, startCluster } from './cluster.js';

const here = dirname(fileURLToPath(import.meta.url));
const UP_TIMEOUT_MS = 300_000;
const DOWN_TIMEOUT_MS = 60_000;

async function loadNodeAgent(): Promise<NodeAgentStarter | undefined> {
  const path = join(here, 'node-agent', 'index.js');
  if (!existsSync(path)) return undefined;
  const module = (await import(path)) as { startNodeAgent?: NodeAgentStarter };
  return module.startNodeAgent;
}

function usage(stateDir: string): string {
  const config = readClusterConfig(stateDir);
  if (!config) return '';
  return [
    `kubeconfig: ${config.kubeconfigPath}`,
    `  export KUBECONFIG=${config.kubeconfigPath}   # then kubectl, helm, portico serve --kubeconfig …`,
    `API server: ${config.apiServerUrl}   node: ${config.nodeName}   pod CIDR: ${config.network.podCidr} on bridge ${config.network.bridge}`,
    `Services: ${config.network.serviceCidr}   LoadBalancers: ${config.network.loadBalancerCidr}   DNS: ${config.clusterDns} (${config.clusterDomain})`,
    'stop it: npm run cluster -- down',
  ].join('\n');
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

async function run(stateDir: string): Promise<void> {
  const cluster = await startCluster({ stateDir, nodeAgent: await loadNodeAgent(), log: (line) => console.log(line) });
  console.log(`cluster up\n${usage(stateDir)}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('stopping…');
  await cluster.stop();
  console.log('cluster down');
}

async function up(stateDir: string): Promise<number> {
  const owner = runningOwner();
  if (owner !== undefined) {
    console.log(`already running (pid ${owner.pid})\n${usage(owner.stateDir)}`);
    return 0;
  }
  cleanupCluster(stateDir);
  const logPath = `${stateDir}.log`;
  const out = openSync(logPath, 'w');
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'run'], { detached: true, stdio: ['ignore', out, out], env: { ...process.env, PORTICO_CLUSTER_DIR: stateDir } });
  child.unref();
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + UP_TIMEOUT_MS;
  while (!existsSync(join(stateDir, CONFIG_FILE))) {
    if (exited || Date.now() > deadline) {
      console.error(`cluster did not come up; its output (${logPath}):\n${readFileSync(logPath, 'utf8')}`);
      if (!exited) process.kill(child.pid!, 'SIGTERM');
      return 1;
    }
    await sleep(250);
  }
  console.log(`cluster up (pid ${child.pid}, output in ${logPath})\n${usage(stateDir)}`);
  return 0;
}

/** Whether `pid` is this command's own `run` (what `up` starts), judged by its command line. */
function isClusterCommand(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((arg) => arg.endsWith(join('cluster', 'cli.js')));
  } catch {
    return false;
  }
}

async function down(stateDir: string): Promise<number> {
  const owner = runningOwner();
  // A cluster a test or `npm run conformance` started is theirs to stop: taking it away mid-run would
  // fail them in confusing ways. `down` stops what `up` started, and cleans up after any crash.
  if (owner !== undefined && !isClusterCommand(owner.pid) && !process.argv.includes('--force')) {
    console.error(`the cluster belongs to pid ${owner.pid} (a test or a conformance run, not \`npm run cluster -- up\`): it stops it itself; \`down --force\` takes it anyway`);
    return 1;
  }
  if (owner !== undefined) {
    process.kill(owner.pid, 'SIGTERM');
    const deadline = Date.now() + DOWN_TIMEOUT_MS;
    while (runningOwner()?.pid === owner.pid && Date.now() < deadline) await sleep(250);
  }
  // A crashed owner's state folder may not be the default one.
  stateDir = recordedOwner()?.stateDir ?? stateDir;
  // Whatever a crash (or a stop that timed out) left.
  cleanupCluster(stateDir);
  console.log('cluster down');
  return 0;
}

async function main(): Promise<number> {
  const stateDir = defaultStateDir();
  const command = process.argv[2];
  switch (command) {
    case 'up':
      return up(stateDir);
    case 'run':
      await run(stateDir);
      return 0;
    case 'down':
      return down(stateDir);
    case 'status': {
      const owner = runningOwner();
      console.log(owner === undefined ? 'not running' : `running (pid ${owner.pid})\n${usage(owner.stateDir)}`);
      return owner === undefined ? 3 : 0;
    }
    default:
      console.error('usage: npm run cluster -- up|down|status|run');
      return 2;
  }
}

process.exitCode = await main();
