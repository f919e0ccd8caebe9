/**
 * The arguments of `portico diagnose`, checked before anything is loaded. Every mistake here is a
 * usage error: exit code 3, apart from the report's 0 (all OK), 1 (warnings) and 2 (failures).
 */
import { parseArgs } from 'node:util';
import { CliError, rejectPositionals, withArgErrors } from '../../args.js';
import { adminUrl, DEFAULT_ADMIN_URL } from '../translate/dump-args.js';

/** Exit code of a usage or input error (bad flag, unreadable input, unreachable server). */
export const DIAGNOSE_USAGE_EXIT_CODE = 3;

export type DiagnoseFormat = 'table' | 'json' | 'yaml';

export type DiagnoseSource =
  | { kind: 'files'; files: string[] }
  | { kind: 'kubernetes'; kubeconfig?: string }
  | { kind: 'admin'; admin: string };

export interface DiagnoseArgs {
  source: DiagnoseSource;
  gateway?: string;
  output: DiagnoseFormat;
  /** Where to write the evidence bundle (`.tar.gz`). */
  bundle?: string;
  /** Offline sources only: act as the controller of this controllerName. */
  controllerName?: string;
}

export const DIAGNOSE_HELP = `Usage: portico diagnose [--gateway NAMESPACE/NAME]
                        [-f FILE... | --resources DIR | --kubernetes [--kubeconfig FILE] | --admin URL]
                        [-o table|json|yaml] [--bundle OUT.tar.gz] [--controller-name NAME]

Walks the chain a request depends on, for every Gateway (or one): GatewayClass, Gateway, listeners,
route attachment, ReferenceGrants (and every other check Portico has), and prints per link OK, WARN or
FAIL with the object, the field and the fix.

Where the objects come from (one of):
  -f, --file FILE           YAML/JSON files or directories (repeatable; '-' reads standard input),
                            translated here. A document that cannot be loaded is reported on
                            standard error and left out
      --resources DIR       The same, for a folder as 'portico serve --resources' reads it
      --kubernetes          List the objects of the cluster once (KUBECONFIG, the in-cluster service
                            account, then ~/.kube/config; or --kubeconfig FILE) and translate them here
      --admin URL           A running 'portico serve' (e.g. ${DEFAULT_ADMIN_URL}): its statuses, IR,
                            served xDS, connected proxies and objects (Secret data never leaves it)

Options:
      --gateway NAMESPACE/NAME  Only this Gateway (and the classes it uses)
  -o, --output FORMAT       table (default), json or yaml
      --bundle OUT.tar.gz   Also write an evidence bundle: the report, statuses, IR, xDS and (with
                            --admin) the connected proxies; secret material redacted
      --controller-name NAME
                            With -f/--resources/--kubernetes: act for this controllerName
                            (default portico.dev/gateway-controller)
  -h, --help                Show this help

Exit codes: 0 all OK, 1 warnings (or some input could not be loaded), 2 failures,
3 invalid arguments, unreadable input or unreachable server.

Examples:
  portico diagnose -f examples/
  portico diagnose --admin ${DEFAULT_ADMIN_URL} --gateway default/demo --bundle evidence.tar.gz
  portico diagnose --kubernetes -o json
`;

const OPTIONS = {
  file: { type: 'string', short: 'f', multiple: true },
  resources: { type: 'string' },
  kubernetes: { type: 'boolean' },
  kubeconfig: { type: 'string' },
  admin: { type: 'string' },
  gateway: { type: 'string' },
  output: { type: 'string', short: 'o', default: 'table' },
  bundle: { type: 'string' },
  'controller-name': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses `portico diagnose` arguments; `undefined` means `--help` was asked for. */
export function parseDiagnoseArgs(args: string[]): DiagnoseArgs | undefined {
  try {
    return parse(args);
  } catch (error) {
    if (error instanceof CliError) throw new CliError(error.message, DIAGNOSE_USAGE_EXIT_CODE);
    throw error;
  }
}

function parse(args: string[]): DiagnoseArgs | undefined {
  const { values, positionals } = withArgErrors('diagnose', () => parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true }));
  if (values.help) return undefined;
  rejectPositionals('diagnose', positionals, '; give files with -f');

  const given = [values.file?.length ? '-f' : '', values.resources !== undefined ? '--resources' : '', values.kubernetes ? '--kubernetes' : '', values.admin !== undefined ? '--admin' : ''].filter(Boolean);
  if (given.length === 0) throw new CliError('say where the objects come from: -f FILE, --resources DIR, --kubernetes or --admin URL');
  if (given.length > 1) throw new CliError(`${given.join(' and ')} cannot be combined: give one source`);
  if (values.kubeconfig !== undefined && !values.kubernetes) throw new CliError('--kubeconfig goes with --kubernetes');

  let source: DiagnoseSource;
  if (values.admin !== undefined) source = { kind: 'admin', admin: adminUrl(values.admin) };
  else if (values.kubernetes) source = { kind: 'kubernetes', ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}) };
  else {
    const files = values.resources !== undefined ? [values.resources] : values.file!;
    if (files.includes('')) throw new CliError('-f and --resources need a file or folder name, not an empty string');
    if (files.filter((f) => f === '-').length > 1) throw new CliError("'-f -' (standard input) can be given only once");
    source = { kind: 'files', files };
  }

  const output = values.output;
  if (output !== 'table' && output !== 'json' && output !== 'yaml') throw new CliError(`invalid --output '${output}': expected table, json or yaml`);
  const gateway = values.gateway;
  if (gateway !== undefined && !/^[^/\s]+\/[^/\s]+$/.test(gateway)) throw new CliError(`invalid --gateway '${gateway}': expected namespace/name`);
  const bundle = values.bundle;
  if (bundle === '') throw new CliError('--bundle needs a file name');
  const controllerName = values['controller-name'];
  if (controllerName === '') throw new CliError('--controller-name must not be empty');
  if (controllerName !== undefined && source.kind === 'admin') throw new CliError("--controller-name is the server's with --admin: it cannot be changed here");
  return {
    source,
    output,
    ...(gateway === undefined ? {} : { gateway }),
    ...(bundle === undefined ? {} : { bundle }),
    ...(controllerName === undefined ? {} : { controllerName }),
  };
}
