import { parseServeArgs, SERVE_HELP } from './serve-args.js';

describe('portico serve: where translation runs', () => {
  it('translates on the worker thread unless --translate-in-process is given', () => {
    expect(parseServeArgs([])?.translateInProcess).toBeUndefined();
    expect(parseServeArgs(['--translate-in-process'])?.translateInProcess).toBe(true);
    expect(parseServeArgs(['--kubernetes', '--translate-in-process'])?.translateInProcess).toBe(true);
    expect(SERVE_HELP).toContain('--translate-in-process');
  });
});
