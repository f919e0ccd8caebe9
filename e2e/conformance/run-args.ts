/**
 * The options of `npm run conformance` (e2e/conformance/run.ts): which suite(s), one Gateway API test,
 * the Ingress scenarios whose name contains a text, and what to do with the cluster.
 */
export type SuiteChoice = 'gateway-api' | 'ingress' | 'all';
const SUITES: readonly SuiteChoice[] = ['gateway-api', 'ingress', 'all'];

export interface Args {
  suite: SuiteChoice;
  runTest?: string;
  scenario?: string;
  keep: boolean;
  reuse: boolean;
}

export const USAGE = 'usage: npm run conformance -- [--suite gateway-api|ingress|all] [--run-test NAME] [--scenario TEXT] [--keep] [--reuse]';

export function parseArgs(argv: string[]): Args {
  const args: Args = { suite: 'all', keep: false, reuse: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--keep') args.keep = true;
    else if (arg === '--reuse') args.reuse = true;
    else if (arg === '--run-test' && argv[i + 1]) args.runTest = argv[++i];
    else if (arg === '--scenario' && argv[i + 1]) args.scenario = argv[++i];
    else if (arg === '--suite' && SUITES.includes(argv[i + 1] as SuiteChoice)) args.suite = argv[++i] as SuiteChoice;
    else throw new Error(`unknown argument ${arg} (${USAGE})`);
  }
  return args;
}
