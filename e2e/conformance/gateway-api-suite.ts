/**
 * The upstream Gateway API conformance suite (e2e/conformance/gateway-api, a Go module pinning
 * sigs.k8s.io/gateway-api/conformance): built once with `go test -c` (the Go build cache keeps it),
 * then run against the cluster in `kubeconfigPath`. The whole output goes to a log file; the caller
 * gets each conformance test's verdict, and the suite writes its report (upstream's format).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { directSubtests, parseVerdict, type TestResult } from './go-test-results.js';
import { staticAddressFlags, type ConformanceStaticAddresses } from './static-addresses.js';

export const SUITE_TEST = 'TestGatewayAPIConformance';
/** Gateway API v1.7.0's modules need a newer Go than many machines have; the go command fetches it. */
const GO_TOOLCHAIN = 'go1.27.3';

export interface SuiteOptions {
  checkout: string;
  kubeconfigPath: string;
  /** Where the suite writes its report. */
  reportPath: string;
  /** The full output of `go test -v`. */
  logPath: string;
  /** One conformance test only (the suite's -run-test), for debugging. */
  runTest?: string;
  /** GatewayStaticAddresses' usable and unusable address (static-addresses.ts). */
  staticAddresses: ConformanceStaticAddresses;
  log: (line: string) => void;
}

export interface SuiteRun {
  exitCode: number;
  tests: TestResult[];
  seconds: number;
}

function moduleDir(checkout: string): string {
  return join(checkout, 'e2e/conformance/gateway-api');
}

/** `go test -c`: compiles the suite into a binary under .cache/ (seconds when the Go build cache is warm). */
export function buildSuite(checkout: string, log: (line: string) => void): string {
  const binary = join(checkout, '.cache/conformance/gateway-api-conformance.test');
  mkdirSync(dirname(binary), { recursive: true });
  const started = Date.now();
  const build = spawnSync('go', ['test', '-c', '-o', binary, '.'], {
    cwd: moduleDir(checkout),
    env: { ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN || GO_TOOLCHAIN },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (build.status !== 0) throw new Error(`building the Gateway API conformance suite failed (exit ${build.status ?? build.signal})`);
  log(`conformance suite built in ${Math.round((Date.now() - started) / 1000)} s: ${binary}`);
  return binary;
}

export async function runSuite(binary: string, options: SuiteOptions): Promise<SuiteRun> {
  mkdirSync(dirname(options.logPath), { recursive: true });
  mkdirSync(dirname(options.reportPath), { recursive: true });
  const args = [
    '-test.v',
    '-test.timeout', '80m',
    '-conformance-options-file', join(moduleDir(options.checkout), 'portico-options.yaml'),
    '-report-output', options.reportPath,
    ...staticAddressFlags(options.staticAddresses),
    ...(options.runTest ? ['-run-test', options.runTest] : []),
  ];
  const started = Date.now();
  const logFile = createWriteStream(options.logPath);
  const child = spawn(binary, args, {
    cwd: moduleDir(options.checkout),
    env: { ...process.env, KUBECONFIG: options.kubeconfigPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const results: TestResult[] = [];
  const onLine = (line: string) => {
    logFile.write(`${line}\n`);
    const result = parseVerdict(line);
    if (!result) return;
    results.push(result);
    if (result.name.split('/').length === 2) options.log(`${result.verdict.padEnd(4)} ${result.name.slice(SUITE_TEST.length + 1)} (${result.seconds} s)`);
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
  await new Promise<void>((resolve) => logFile.end(resolve));
  return { exitCode, tests: directSubtests(results, SUITE_TEST), seconds: Math.round((Date.now() - started) / 1000) };
}
