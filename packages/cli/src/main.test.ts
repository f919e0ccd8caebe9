import { readFileSync } from 'node:fs';
import type { CliIO } from './cli-io.js';
import { main } from './main.js';

const ROOT_VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Runs `portico …` in-process and captures what it prints. */
async function run(argv: string[], io: Partial<CliIO> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    readStdin: () => Promise.reject(new Error('stdin not expected')),
    ...io,
  });
  return { code, stdout, stderr };
}

/** A user error: exit code 1 and exactly one line on stderr. */
async function expectUserError(argv: string[], message: string) {
  const { code, stdout, stderr } = await run(argv);
  expect({ code, stdout, stderr }).toEqual({ code: 1, stdout: '', stderr: `portico: ${message}\n` });
}

describe('portico', () => {
  test.each([[['help']], [['--help']], [['-h']]])('%j prints the usage', async (argv) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^Usage: portico <command>/);
    expect(stdout).toContain('translate');
    expect(stdout).toContain('version');
  });

  test('without a command it fails with a hint', async () => {
    await expectUserError([], "missing command (see 'portico help')");
  });

  test('unknown commands and options before a command', async () => {
    await expectUserError(['serve-it'], "unknown command 'serve-it' (see 'portico help')");
    await expectUserError(['--to', 'ir'], "unknown option '--to': options follow the command (see 'portico help')");
  });

  test('help <command> prints that command\'s help', async () => {
    const { code, stdout } = await run(['help', 'translate']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: portico translate /);
    await expectUserError(['help', 'nope'], "unknown command 'nope' (see 'portico help')");
  });
});

describe('portico version', () => {
  test('prints the root package.json version', async () => {
    expect(await run(['version'])).toEqual({ code: 0, stdout: `portico ${ROOT_VERSION}\n`, stderr: '' });
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `portico ${ROOT_VERSION}\n`, stderr: '' });
    expect(await run(['version', '-o', 'json'])).toEqual({ code: 0, stdout: `{"version":"${ROOT_VERSION}"}\n`, stderr: '' });
  });

  test('--help and bad arguments', async () => {
    expect((await run(['version', '--help'])).stdout).toMatch(/^Usage: portico version/);
    await expectUserError(['version', 'extra'], "unexpected argument 'extra' (see 'portico version --help')");
    await expectUserError(['version', '-o', 'xml'], "invalid --output 'xml': expected text or json");
    await expectUserError(['version', '--short'], "unknown option '--short' (see 'portico version --help')");
  });
});

describe('portico translate arguments', () => {
  test('--help prints the options, naming the --to values available', async () => {
    const { code, stdout, stderr } = await run(['translate', '--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^Usage: portico translate -f FILE/);
    expect(stdout).toContain('gateway-api');
    expect(stdout).toContain('xds          the Envoy resources');
  });

  test.each([
    [['translate', '--to', 'ir'], "missing -f FILE (a file, a directory, or '-' for standard input)"],
    [['translate', '-f', 'a.yaml'], 'missing --to (one of: gateway-api, ir, xds)'],
    [['translate', '-f', 'a.yaml', '--to', 'envoy'], "invalid --to 'envoy': expected one of gateway-api, ir, xds"],
    [['translate', '-f', 'a.yaml', '--to', 'ir', '-o', 'toml'], "invalid --output 'toml': expected yaml or json"],
    [['translate', '-f', '-', '-f', '-', '--to', 'ir'], "'-f -' (standard input) can be given only once"],
    [['translate', '-f', 'a.yaml', '--to', 'ir', '--controller-name', ''], '--controller-name must not be empty'],
    [['translate', 'a.yaml', '--to', 'ir'], "unexpected argument 'a.yaml'; give files with -f (see 'portico translate --help')"],
    [['translate', '-f', 'a.yaml', '--to', 'ir', '--bogus'], "unknown option '--bogus' (see 'portico translate --help')"],
    [['translate', '-f', 'a.yaml', '--to'], "option '--to' needs a value (see 'portico translate --help')"],
    [['translate', '--to', 'ir', '-f'], "option '-f, --file' needs a value (see 'portico translate --help')"],
  ])('%j fails with one line', async (argv, message) => {
    await expectUserError(argv, message);
  });
});

describe('internal errors', () => {
  test('exit code 2, the message and a hint to report, no stack trace', async () => {
    const failing = { write: () => { throw new TypeError('stream exploded'); } };
    const { code, stderr } = await run(['version'], { stdout: failing });
    expect(code).toBe(2);
    expect(stderr).toBe(
      'portico: internal error: stream exploded\n' +
        'portico: this is a bug in Portico; please report it with the command and the input that caused it.\n',
    );
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
