/** `portico version`: the version of the Portico release, from the root package.json. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CliError, rejectPositionals, withArgErrors } from '../args.js';
import type { CliIO } from '../cli-io.js';

export const VERSION_HELP = `Usage: portico version [-o text|json]

Prints the Portico version.

Options:
  -o, --output FORMAT   text (default): "portico 0.1.0"; json: {"version":"0.1.0"}
  -h, --help            Show this help
`;

/**
 * The `version` of the repository's root package.json: the release version. Workspace packages keep
 * their own versions, which are not the product's. The path is the same from `src/` and `dist/`.
 */
export function porticoVersion(): string {
  const file = new URL('../../../../package.json', import.meta.url);
  const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
  if (typeof version !== 'string') throw new Error(`no "version" in ${file.pathname}`);
  return version;
}

/** Runs `portico version`. */
export function runVersion(args: string[], io: CliIO): number {
  const options = {
    output: { type: 'string', short: 'o', default: 'text' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  const { values, positionals } = withArgErrors('version', () =>
    parseArgs({ args, options, strict: true, allowPositionals: true }),
  );
  if (values.help) {
    io.stdout.write(VERSION_HELP);
    return 0;
  }
  rejectPositionals('version', positionals);
  const version = porticoVersion();
  if (values.output === 'json') io.stdout.write(`${JSON.stringify({ version })}\n`);
  else if (values.output === 'text') io.stdout.write(`portico ${version}\n`);
  else throw new CliError(`invalid --output '${values.output}': expected text or json`);
  return 0;
}
