/**
 * The `portico` command: dispatches to one module per command and turns every failure into an exit
 * code and one line on stderr. Runs in-process (tests call it directly) and never calls process.exit.
 */
import { CliError, errorMessage } from './args.js';
import { processIO, type CliIO } from './cli-io.js';
import { BOOTSTRAP_HELP, parseBootstrapArgs } from './commands/bootstrap-args.js';
import { CERTGEN_HELP, parseCertgenArgs } from './commands/certgen-args.js';
import { CONVERT_HELP, parseConvertArgs } from './commands/convert/convert-args.js';
import { DIAGNOSE_HELP, parseDiagnoseArgs } from './commands/diagnose/diagnose-args.js';
import { DUMP_HELP, parseDumpArgs } from './commands/translate/dump-args.js';
import { EXPLAIN_HELP, parseExplainArgs } from './commands/diagnose/explain-args.js';
import { runHelp, USAGE } from './commands/help.js';
import { parseServeArgs, SERVE_HELP } from './commands/serve/serve-args.js';
import { parseTranslateArgs, TRANSLATE_HELP } from './commands/translate/translate-args.js';
import { runVersion } from './commands/version.js';

/** Exit code of an unexpected failure: a bug of ours, distinct from a user mistake (1). */
export const INTERNAL_ERROR_EXIT_CODE = 2;

/**
 * Runs `portico <argv…>` and resolves to the exit code: 0 success, 1 invalid arguments or input,
 * 2 internal error. Output goes through `io` (the process streams unless given). Never rejects.
 */
export async function main(argv: string[], io: Partial<CliIO> = {}): Promise<number> {
  const streams: CliIO = { ...processIO(), ...io };
  try {
    return await runCommand(argv, streams);
  } catch (error) {
    return reportError(error, streams);
  }
}

async function runCommand(argv: string[], io: CliIO): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case undefined:
      throw new CliError("missing command (see 'portico help')");
    case 'help':
      return runHelp(args, io);
    case '--help':
    case '-h':
      io.stdout.write(USAGE);
      return 0;
    case 'version':
    case '--version':
      return runVersion(args, io);
    case 'translate': {
      const parsed = parseTranslateArgs(args);
      if (parsed === undefined) {
        io.stdout.write(TRANSLATE_HELP);
        return 0;
      }
      // Loaded on demand: the translator and its dependencies are the bulk of the start-up time.
      const { runTranslate } = await import('./commands/translate/translate.js');
      return await runTranslate(parsed, io);
    }
    case 'convert': {
      const parsed = parseConvertArgs(args);
      if (parsed === undefined) {
        io.stdout.write(CONVERT_HELP);
        return 0;
      }
      const { runConvert } = await import('./commands/convert/convert.js');
      return await runConvert(parsed, io);
    }
    case 'bootstrap': {
      const parsed = parseBootstrapArgs(args);
      if (parsed === undefined) {
        io.stdout.write(BOOTSTRAP_HELP);
        return 0;
      }
      const { runBootstrap } = await import('./commands/bootstrap.js');
      return runBootstrap(parsed, io);
    }
    case 'serve': {
      const parsed = parseServeArgs(args);
      if (parsed === undefined) {
        io.stdout.write(SERVE_HELP);
        return 0;
      }
      const { runServe } = await import('./commands/serve/serve.js');
      return await runServe(parsed, io);
    }
    case 'certgen': {
      const parsed = parseCertgenArgs(args);
      if (parsed === undefined) {
        io.stdout.write(CERTGEN_HELP);
        return 0;
      }
      const { runCertgenCommand } = await import('./commands/certgen.js');
      return await runCertgenCommand(parsed, io);
    }
    case 'dump': {
      const parsed = parseDumpArgs(args);
      if (parsed === undefined) {
        io.stdout.write(DUMP_HELP);
        return 0;
      }
      const { runDump } = await import('./commands/translate/dump.js');
      return await runDump(parsed, io);
    }
    case 'diagnose': {
      const parsed = parseDiagnoseArgs(args);
      if (parsed === undefined) {
        io.stdout.write(DIAGNOSE_HELP);
        return 0;
      }
      const { runDiagnose } = await import('./commands/diagnose/diagnose.js');
      return await runDiagnose(parsed, io);
    }
    case 'explain': {
      const parsed = parseExplainArgs(args);
      if (parsed === undefined) {
        io.stdout.write(EXPLAIN_HELP);
        return 0;
      }
      const { runExplain } = await import('./commands/diagnose/explain.js');
      return await runExplain(parsed, io);
    }
    default:
      throw new CliError(
        command.startsWith('-')
          ? `unknown option '${command}': options follow the command (see 'portico help')`
          : `unknown command '${command}' (see 'portico help')`,
      );
  }
}

function reportError(error: unknown, io: CliIO): number {
  if (error instanceof CliError) {
    io.stderr.write(`portico: ${error.message}\n`);
    return error.exitCode;
  }
  // No stack trace: users get the message and where to send it; developers can rerun under a debugger.
  io.stderr.write(
    `portico: internal error: ${errorMessage(error)}\n` +
      'portico: this is a bug in Portico; please report it with the command and the input that caused it.\n',
  );
  return INTERNAL_ERROR_EXIT_CODE;
}
