import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCertgen } from './certgen.js';
import { createLocalStore } from './local-store.js';
import { serverNames } from './names.js';

describe('the local store (portico certgen --local DIR)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'portico-certgen-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const names = serverNames({ extraNames: ['localhost', '127.0.0.1'] });

  it('writes the six PEM files, keys owner-only, and nothing on a second run', async () => {
    const target = join(dir, 'certs');
    const first = await runCertgen({ store: createLocalStore(target), names });
    expect(first.written.map((w) => [w.target.slice(target.length + 1), w.action])).toEqual([
      ['ca.key', 'created'],
      ['ca.crt', 'created'],
      ['server.key', 'created'],
      ['server.crt', 'created'],
      ['client.key', 'created'],
      ['client.crt', 'created'],
    ]);
    for (const key of ['ca.key', 'server.key', 'client.key']) expect(statSync(join(target, key)).mode & 0o777).toBe(0o600);
    const before = readFileSync(join(target, 'server.crt'), 'utf8');

    const second = await runCertgen({ store: createLocalStore(target), names });
    expect(second.issued).toEqual({});
    expect(second.written.every((w) => w.action === 'unchanged')).toBe(true);
    expect(readFileSync(join(target, 'server.crt'), 'utf8')).toBe(before);
  });

  it('reissues a deleted or damaged leaf with the CA already there', async () => {
    await runCertgen({ store: createLocalStore(dir), names });
    const ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
    writeFileSync(join(dir, 'client.crt'), 'not a certificate');
    const result = await runCertgen({ store: createLocalStore(dir), names });
    expect(result.issued).toEqual({ client: 'not a readable certificate' });
    expect(result.written.filter((w) => w.action !== 'unchanged').map((w) => w.target)).toEqual([join(dir, 'client.key'), join(dir, 'client.crt')]);
    expect(readFileSync(join(dir, 'ca.crt'), 'utf8')).toBe(ca);
  });
});
