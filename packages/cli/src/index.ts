/** @portico/cli: the `portico` command, callable in-process. */
export { main, INTERNAL_ERROR_EXIT_CODE } from './main.js';
export { CliError } from './args.js';
export type { CliIO, OutputStream } from './cli-io.js';
