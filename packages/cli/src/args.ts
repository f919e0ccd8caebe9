/**
 * Argument errors shared by every command: `node:util` parseArgs errors turned into one-line user
 * errors that point at the command's help.
 */

/**
 * A mistake of the user (bad flag, unreadable or invalid input): printed as one line
 * `portico: <message>` and exit code 1, never with a stack trace.
 */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
  }
}

/**
 * Runs `parse` (a `parseArgs` call in strict mode) and turns its errors into a CliError naming the
 * problem and `portico <command> --help`. A wrapper around the call rather than around parseArgs' config,
 * so each command keeps parseArgs' precise types for its own options.
 */
export function withArgErrors<R>(command: string, parse: () => R): R {
  try {
    return parse();
  } catch (error) {
    if (isParseArgsError(error)) throw new CliError(`${firstSentence(error.message)} (see 'portico ${command} --help')`);
    throw error;
  }
}

/**
 * Node's parse errors carry `ERR_PARSE_ARGS_*` codes; anything else is a bug of ours. Checked by shape,
 * not `instanceof`: errors from Node's internals may come from another realm (e.g. under a test VM).
 */
function isParseArgsError(error: unknown): error is { code: string; message: string } {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_') && typeof message === 'string';
}

/** The message of anything thrown, by shape for the same reason. */
export function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/**
 * Node's messages run to several sentences about quoting (`To specify a positional argument starting
 * with a '-' …`) that do not help here; the first sentence names the problem.
 */
function firstSentence(message: string): string {
  const sentence = message.split(/\.(?:\s|$)|\n/)[0] ?? message;
  const missing = /^Option '(.+?)(?: <value>)?' argument missing$/.exec(sentence);
  if (missing) return `option '${missing[1]}' needs a value`;
  return sentence.charAt(0).toLowerCase() + sentence.slice(1);
}

/** Rejects positional arguments of a command that takes none. */
export function rejectPositionals(command: string, positionals: string[], hint = ''): void {
  const [first] = positionals;
  if (first !== undefined) throw new CliError(`unexpected argument '${first}'${hint} (see 'portico ${command} --help')`);
}
