/** `portico help [command]` and the top-level usage. */
import { parseArgs } from 'node:util';
import { CliError, rejectPositionals, withArgErrors } from '../args.js';
import type { CliIO } from '../cli-io.js';
import { BOOTSTRAP_HELP } from './bootstrap-args.js';
import { CERTGEN_HELP } from './certgen-args.js';
import { CONVERT_HELP } from './convert/convert-args.js';
import { DIAGNOSE_HELP } from './diagnose/diagnose-args.js';
import { DUMP_HELP } from './translate/dump-args.js';
import { EXPLAIN_HELP } from './diagnose/explain-args.js';
import { SERVE_HELP } from './serve/serve-args.js';
import { TRANSLATE_HELP } from './translate/translate-args.js';
import { VERSION_HELP } from './version.js';

export const USAGE = `Usage: portico <command> [options]

Portico turns Kubernetes Gateway API and Ingress resources into Envoy configuration.

Commands:
  serve       Run the control plane: watch a folder of YAML and serve Envoy config over xDS
  dump        Print the IR, xDS config, statuses or clients of a running server
  diagnose    Check every link from GatewayClass to backend and say what is wrong and how to fix it
  translate   Translate Gateway API / Ingress resources offline and print statuses or the IR
  explain     Explain where one HTTP request goes through a Gateway, and why (from the served xDS)
  convert     Convert Ingress (and its ingress-nginx annotations) to Gateway API, with a report
  bootstrap   Print the Envoy bootstrap for the proxies of one Gateway
  certgen     Make or renew the mTLS certificates of xDS (Kubernetes Secrets or local files)
  version     Print the Portico version
  help        Show this help, or a command's help: portico help <command>

Exit codes: 0 success, 1 invalid arguments or input, 2 internal error
(diagnose: 0 OK, 1 warnings, 2 failures, 3 invalid arguments or input;
convert: 3 converted with a report of what could not be expressed exactly).
Run 'portico <command> --help' for a command's options.
`;

const HELP_HELP = `Usage: portico help [command]

Shows the list of commands, or the options of one command.
`;

/** Help text per command, for `portico help <command>`. */
const COMMAND_HELP: Readonly<Record<string, string>> = {
  serve: SERVE_HELP,
  dump: DUMP_HELP,
  diagnose: DIAGNOSE_HELP,
  translate: TRANSLATE_HELP,
  explain: EXPLAIN_HELP,
  convert: CONVERT_HELP,
  bootstrap: BOOTSTRAP_HELP,
  certgen: CERTGEN_HELP,
  version: VERSION_HELP,
  help: HELP_HELP,
};

/** Runs `portico help [command]`. */
export function runHelp(args: string[], io: CliIO): number {
  const { values, positionals } = withArgErrors('help', () =>
    parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true }),
  );
  if (values.help) {
    io.stdout.write(HELP_HELP);
    return 0;
  }
  const [command, ...rest] = positionals;
  rejectPositionals('help', rest);
  if (command === undefined) {
    io.stdout.write(USAGE);
    return 0;
  }
  const text = COMMAND_HELP[command];
  if (text === undefined) throw new CliError(`unknown command '${command}' (see 'portico help')`);
  io.stdout.write(text);
  return 0;
}
