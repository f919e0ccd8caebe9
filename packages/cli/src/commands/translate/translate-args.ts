/**
 * The arguments of `portico translate`, checked before the translator is loaded: a typo answers at
 * once, and `--help` works even where the pipeline cannot load.
 */
import { parseArgs } from 'node:util';
import type { ExternalNameServices, RateLimitServiceOptions } from '@portico/translator';
import { CliError, rejectPositionals, withArgErrors } from '../../args.js';
import { EXTERNAL_NAME_HELP, EXTERNAL_NAME_OPTIONS, externalNameServices } from '../serve/external-name-args.js';
import { RATE_LIMIT_SERVICE_HELP, RATE_LIMIT_SERVICE_OPTIONS, rateLimitArgs } from '../serve/rate-limit-args.js';

export const TRANSLATE_TARGETS = ['gateway-api', 'ir', 'xds'] as const;
export type TranslateTarget = (typeof TRANSLATE_TARGETS)[number];

export const OUTPUT_FORMATS = ['yaml', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface TranslateArgs {
  /** Files or directories in the order given; `-` is standard input. */
  files: string[];
  to: TranslateTarget;
  output: OutputFormat;
  /** Absent: the translator's default (`portico.dev/gateway-controller`). */
  controllerName?: string;
  /** As `portico serve` takes it (external-name-args.ts); absent: refused. */
  externalNameServices?: ExternalNameServices;
  /** As `portico serve --rate-limit-service` takes it: global rate limits then translate as served. */
  rateLimitService?: RateLimitServiceOptions;
}

export const TRANSLATE_HELP = `Usage: portico translate -f FILE [-f FILE...] --to gateway-api|ir|xds [-o yaml|json]
                         [--controller-name NAME] [--allow-external-name-services [--allow-external-name-loopback]]
                         [--rate-limit-service HOST:PORT [--rate-limit-fail-closed] [--rate-limit-timeout-ms N]]

Translates Gateway API and Ingress resources offline, without a cluster, and prints the result.
A file or document that cannot be loaded is reported on standard error (file, document, field) and
left out; the rest is translated and printed, and the exit code is 1.

Options:
  -f, --file FILE           A YAML/JSON file (multi-document allowed) or a directory of them.
                            Repeatable; '-' reads standard input.
      --to TARGET           What to print:
                              gateway-api  every input Gateway API / Ingress object with .status
                                           filled in as Portico would write it
                              ir           the intermediate representation of each Gateway
                                           (private keys redacted, certificates summarised)
                              xds          the Envoy resources each Gateway's proxies are served, in
                                           the shape of Envoy's /config_dump sections (listeners,
                                           routes, clusters, endpoints, secrets; keys redacted)
  -o, --output FORMAT       yaml (default; multi-document for gateway-api) or json (a List for
                            gateway-api)
      --controller-name NAME
                            Act as the controller of GatewayClasses with this controllerName
                            (default portico.dev/gateway-controller)
${EXTERNAL_NAME_HELP.replace(/^ {32}/gm, ' '.repeat(28))}${RATE_LIMIT_SERVICE_HELP.replace(/^ {32}/gm, ' '.repeat(28))}  -h, --help                Show this help

Examples:
  portico translate -f examples/ --to ir
  cat gateway.yaml | portico translate -f - --to gateway-api -o json
`;

const OPTIONS = {
  file: { type: 'string', short: 'f', multiple: true },
  to: { type: 'string' },
  output: { type: 'string', short: 'o', default: 'yaml' },
  'controller-name': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  ...EXTERNAL_NAME_OPTIONS,
  ...RATE_LIMIT_SERVICE_OPTIONS,
} as const;

/** Parses `portico translate` arguments; `undefined` means `--help` was asked for. */
export function parseTranslateArgs(args: string[]): TranslateArgs | undefined {
  const { values, positionals } = withArgErrors('translate', () =>
    parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true }),
  );
  if (values.help) return undefined;
  // `portico translate a.yaml` is the likeliest slip: say how files are given.
  rejectPositionals('translate', positionals, '; give files with -f');

  const files = values.file ?? [];
  if (files.length === 0) throw new CliError("missing -f FILE (a file, a directory, or '-' for standard input)");
  if (files.filter((file) => file === '-').length > 1) throw new CliError("'-f -' (standard input) can be given only once");
  if (files.includes('')) throw new CliError('-f needs a file name, not an empty string');

  const to = values.to;
  if (to === undefined) throw new CliError(`missing --to (one of: ${TRANSLATE_TARGETS.join(', ')})`);
  if (!isOneOf(TRANSLATE_TARGETS, to)) throw new CliError(`invalid --to '${to}': expected one of ${TRANSLATE_TARGETS.join(', ')}`);

  const output = values.output;
  if (!isOneOf(OUTPUT_FORMATS, output)) throw new CliError(`invalid --output '${output}': expected yaml or json`);

  const controllerName = values['controller-name'];
  if (controllerName === '') throw new CliError('--controller-name must not be empty');
  const externalNames = externalNameServices(values);
  const { rateLimitService } = rateLimitArgs(values);
  return {
    files,
    to,
    output,
    ...(controllerName === undefined ? {} : { controllerName }),
    ...(externalNames === undefined ? {} : { externalNameServices: externalNames }),
    ...(rateLimitService ? { rateLimitService } : {}),
  };
}

function isOneOf<T extends string>(allowed: readonly T[], value: string): value is T {
  return (allowed as readonly string[]).includes(value);
}
