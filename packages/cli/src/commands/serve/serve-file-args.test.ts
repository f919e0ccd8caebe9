import { parseServeArgs } from './serve-args.js';

describe('portico serve: file provider options', () => {
  it('reads --state-dir and --max-file-size (bytes, Ki, Mi, Gi)', () => {
    expect(parseServeArgs(['--state-dir', '/var/lib/portico', '--max-file-size', '64Mi'])).toMatchObject({ stateDir: '/var/lib/portico', maxFileBytes: 64 * 1024 * 1024 });
    expect(parseServeArgs(['--max-file-size', '1048576'])?.maxFileBytes).toBe(1048576);
    const defaults = parseServeArgs([]);
    expect(defaults && 'stateDir' in defaults).toBe(false);
    expect(defaults && 'maxFileBytes' in defaults).toBe(false);
  });

  it.each([
    [['--max-file-size', '64MB'], "invalid --max-file-size '64MB': expected a number of bytes, e.g. 1048576 or 64Mi"],
    [['--max-file-size', '0'], "invalid --max-file-size '0': expected a number of bytes, e.g. 1048576 or 64Mi"],
    [['--state-dir', ''], '--state-dir needs a folder, not an empty string'],
    [['--kubernetes', '--state-dir', '/tmp/x'], '--state-dir applies to --resources (the file provider), not --kubernetes'],
  ])('%j is refused', (argv, message) => {
    expect(() => parseServeArgs(argv)).toThrow(message);
  });
});
