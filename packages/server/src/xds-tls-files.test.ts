/**
 * xDS mTLS from files through the whole server (createPorticoServer → xDS gRPC server): the files
 * are checked before anything binds, and a rotation of the files is served to new connections
 * without a restart, while a half-written rotation never replaces a working certificate.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { connect, type TLSSocket } from 'node:tls';
import { issueCertificateAuthority, issueClientCertificate, issueServerCertificate, type CertificateAndKey } from './certgen/issue-certificates.js';
import { serverNames } from './certgen/names.js';
import { demoObjects, fakeProvider } from './fixtures.test-util.js';
import { createLogger } from './logger.js';
import { createPorticoServer, type PorticoServer } from './portico-server.js';
import { createXdsTlsFileSource, XdsTlsFilesError } from './xds-tls-files.js';

interface CertificateSet {
  ca: CertificateAndKey;
  server: CertificateAndKey;
  client: CertificateAndKey;
}

function certificateSet(): CertificateSet {
  const ca = issueCertificateAuthority();
  return { ca, server: issueServerCertificate(ca, serverNames({ extraNames: ['127.0.0.1'] })), client: issueClientCertificate(ca) };
}

const setA = certificateSet();
const setB = certificateSet();

describe('xDS TLS files', () => {
  let dir: string;
  const files = () => ({ certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), caFile: join(dir, 'ca.crt') });
  const writeSet = (set: CertificateSet) => {
    writeFileSync(join(dir, 'tls.crt'), set.server.cert);
    writeFileSync(join(dir, 'tls.key'), set.server.key);
    writeFileSync(join(dir, 'ca.crt'), set.ca.cert);
  };
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'portico-xds-tls-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses files it cannot use before anything starts, naming the file and never quoting a key', () => {
    expect(() => createXdsTlsFileSource(files())).toThrow(new XdsTlsFilesError(`cannot read the certificate '${join(dir, 'tls.crt')}': ENOENT`));
    writeSet(setA);
    writeFileSync(join(dir, 'tls.key'), setB.server.key);
    expect(() => createXdsTlsFileSource(files())).toThrow(new XdsTlsFilesError('the private key does not belong to the certificate'));
    writeFileSync(join(dir, 'tls.key'), 'not a key');
    expect(() => createXdsTlsFileSource(files())).toThrow(new XdsTlsFilesError('the private key is not a PEM private key'));
  });

  describe('served by createPorticoServer', () => {
    let server: PorticoServer;
    let xdsPort: number;
    const logs: Record<string, unknown>[] = [];
    const logText: string[] = [];

    beforeEach(async () => {
      writeSet(setA);
      const stream = new PassThrough();
      stream.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
          logText.push(line);
          logs.push(JSON.parse(line) as Record<string, unknown>);
        }
      });
      const logger = createLogger({ stream, format: 'json', level: 'debug' });
      const tls = createXdsTlsFileSource({ ...files(), pollMs: 25, logger });
      server = createPorticoServer({ provider: fakeProvider(demoObjects()), xdsAddress: '127.0.0.1:0', adminAddress: '127.0.0.1:0', tls, logger, shutdownGraceMs: 200 });
      ({ xdsPort } = await server.start());
    });
    const sockets: TLSSocket[] = [];
    afterEach(async () => {
      // A failed expectation may leave a socket open; it would keep jest waiting.
      for (const socket of sockets.splice(0)) socket.destroy();
      await server.shutdown();
    });

    const handshake = async (set: CertificateSet, versions: { maxVersion?: 'TLSv1.2' } = {}) => {
      const socket = await tlsHandshake(xdsPort, set, versions);
      sockets.push(socket);
      return socket;
    };

    it('swaps in rotated files for new connections; connections already open stay open', async () => {
      const held = await handshake(setA);
      expect(held.getPeerCertificate().fingerprint256).toBe(fingerprint(setA.server));
      await expect(handshake(setB)).rejects.toThrow();

      writeSet(setB);
      const rotated = await eventually(() => handshake(setB));
      expect(rotated.getPeerCertificate().fingerprint256).toBe(fingerprint(setB.server));
      rotated.destroy();
      await expect(handshake(setA)).rejects.toThrow();
      // Node's setSecureContext resets every TLS option it is not given: the TLS 1.3 floor must survive it.
      await expect(handshake(setB, { maxVersion: 'TLSv1.2' })).rejects.toThrow();
      expect(held.destroyed).toBe(false);
      held.destroy();
      expect(logs).toContainEqual(expect.objectContaining({ level: 'info', message: 'xDS TLS certificate reloaded: new connections use it', fingerprint256: fingerprint(setB.server) }));
    });

    it('keeps the working certificate while the files do not match, and says so once', async () => {
      writeFileSync(join(dir, 'tls.crt'), setB.server.cert);
      await new Promise((resolve) => setTimeout(resolve, 300));
      (await handshake(setA)).destroy();
      const warnings = logs.filter((entry) => entry.message === 'new xDS TLS files are not usable: the current certificate stays in use');
      expect(warnings).toEqual([expect.objectContaining({ level: 'warn', message: expect.any(String), error: 'the private key does not belong to the certificate' })]);
      // The key follows: the pair is whole again and is taken.
      writeFileSync(join(dir, 'tls.key'), setB.server.key);
      writeFileSync(join(dir, 'ca.crt'), setB.ca.cert);
      (await eventually(() => handshake(setB))).destroy();
      expect(logText.join('\n')).not.toMatch(/PRIVATE KEY/);
    });
  });
});

function fingerprint({ cert }: CertificateAndKey): string {
  return new X509Certificate(cert).fingerprint256;
}

/** A TLS handshake as an Envoy makes it (client certificate, ALPN h2), resolved with the open socket. */
function tlsHandshake(port: number, set: CertificateSet, versions: { maxVersion?: 'TLSv1.2' }): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'portico', ca: set.ca.cert, cert: set.client.cert, key: set.client.key, ALPNProtocols: ['h2'], ...versions }, () => {
      // TLS 1.3 sends the server's verdict on the client certificate after the handshake: wait for it.
      const timer = setTimeout(() => {
        socket.setTimeout(0);
        resolve(socket);
      }, 100);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    socket.once('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error('TLS handshake timed out')));
  });
}

async function eventually<T>(attempt: () => Promise<T>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
