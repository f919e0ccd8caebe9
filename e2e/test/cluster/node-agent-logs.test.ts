/**
 * The node agent's container logs without a cluster: the CRI record format, the kubelet's log options
 * (sinceTime, sinceSeconds, tailLines, limitBytes, timestamps, stream, previous, follow), which run a
 * request reads, and the kubelet-API log endpoint itself over HTTPS on loopback, with a client
 * certificate the way kube-apiserver calls it, against log files written here with pinned times.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCertificateAuthority, issueClientCertificate, type CertificateAndKey } from '@portico/server';
import { chooseLogRun, createContainerLog, type ContainerLog } from '../../cluster/node-agent/containers/container-log.js';
import type { ContainerStatus } from '../../cluster/node-agent/containers/container-status.js';
import { createRecordSplitter, formatRecord, formatTimestamp, MAX_RECORD_CONTENT, parseRecord, parseTimestamp, type LogRecord } from '../../cluster/node-agent/logs/cri-log-format.js';
import { startKubeletLogServer, type KubeletLogServer, type PodLogs } from '../../cluster/node-agent/logs/kubelet-log-server.js';
import { issueKubeletServingCertificate } from '../../cluster/node-agent/logs/kubelet-serving-certificate.js';
import { createLogOutput, parseLogOptions, type LogOptions } from '../../cluster/node-agent/logs/log-options.js';

/** 2026-01-02T03:04:05Z plus `seconds` (and `ms`), in ns. */
const at = (seconds: number, ms = 0) => BigInt(Date.UTC(2026, 0, 2, 3, 4, 5 + seconds, ms)) * 1_000_000n;
const record = (seconds: number, text: string, stream: 'stdout' | 'stderr' = 'stdout', partial = false): LogRecord => ({ timeNs: at(seconds), stream, partial, content: Buffer.from(text) });

describe('CRI log records', () => {
  it('formats and parses `<time> <stream> <F|P> <content>` with a fixed nine-digit fraction', () => {
    const line = formatRecord({ ...record(0, 'hello world'), timeNs: at(0, 120) + 3n });
    expect(line.toString()).toBe('2026-01-02T03:04:05.120000003Z stdout F hello world\n');
    expect(parseRecord(line.subarray(0, line.length - 1))).toEqual({ timeNs: at(0, 120) + 3n, stream: 'stdout', partial: false, content: Buffer.from('hello world') });
    expect(parseRecord(Buffer.from('2026-01-02T03:04:05Z stderr P:x part'))).toMatchObject({ stream: 'stderr', partial: true, content: Buffer.from('part') });
    expect(parseRecord(Buffer.from('2026-01-02T03:04:05Z stdout F '))).toMatchObject({ content: Buffer.alloc(0) });
    for (const bad of ['plain text', '2026-01-02T03:04:05Z stdin F x', 'yesterday stdout F x', '2026-01-02T03:04:05Z stdout']) expect(parseRecord(Buffer.from(bad))).toBeUndefined();
  });

  it('parses RFC 3339 times with or without a fraction and with an offset', () => {
    expect(parseTimestamp('2026-01-02T03:04:05Z')).toBe(at(0));
    expect(parseTimestamp('2026-01-02T03:04:05.5Z')).toBe(at(0, 500));
    expect(parseTimestamp('2026-01-02T04:04:05+01:00')).toBe(at(0));
    expect(parseTimestamp('2026-01-02T03:04:05.000000001Z')).toBe(at(0) + 1n);
    expect(parseTimestamp('2026-01-02 03:04:05Z')).toBeUndefined();
    expect(parseTimestamp('2026-13-02T03:04:05Z')).toBeUndefined();
    expect(formatTimestamp(at(0))).toBe('2026-01-02T03:04:05.000000000Z');
  });

  it('cuts a stream into one record per line, P records for over-long lines, and an F record for a last line without newline', () => {
    const records: LogRecord[] = [];
    const splitter = createRecordSplitter('stderr', (r) => records.push(r), () => at(1));
    splitter.push(Buffer.from('one\ntw'));
    splitter.push(Buffer.from('o\n\nthr'));
    splitter.push(Buffer.alloc(MAX_RECORD_CONTENT + 10, 'x'));
    splitter.push(Buffer.from('\nlast'));
    splitter.end();
    expect(records.map((r) => [r.partial ? 'P' : 'F', r.content.length > 20 ? r.content.length : r.content.toString()])).toEqual([
      ['F', 'one'],
      ['F', 'two'],
      ['F', ''],
      ['P', MAX_RECORD_CONTENT],
      ['F', 'x'.repeat(13)],
      ['F', 'last'],
    ]);
    expect(records.every((r) => r.stream === 'stderr' && r.timeNs === at(1))).toBe(true);
  });
});

describe('log options (kubelet PodLogOptions query)', () => {
  const now = at(100);
  const parse = (query: string) => parseLogOptions(new URLSearchParams(query), now);

  it('reads what kube-apiserver sends', () => {
    expect(parse('')).toEqual({ ok: true, options: { follow: false, previous: false, timestamps: false, sinceNs: undefined, tailLines: undefined, limitBytes: undefined, stream: 'All' } });
    expect(parse('follow=true&previous=true&timestamps=true&tailLines=3&limitBytes=10&sinceTime=2026-01-02T03:04:06Z&stream=Stderr')).toEqual({
      ok: true,
      options: { follow: true, previous: true, timestamps: true, sinceNs: at(1), tailLines: 3, limitBytes: 10, stream: 'Stderr' },
    });
    expect(parse('sinceSeconds=30')).toMatchObject({ ok: true, options: { sinceNs: at(70) } });
    expect(parse('tail=5')).toMatchObject({ ok: true, options: { tailLines: 5 } });
    expect(parse('tail=all')).toMatchObject({ ok: true, options: { tailLines: undefined } });
  });

  it('refuses what the kubelet refuses: 400 undecodable, 422 invalid', () => {
    expect(parse('follow=yes')).toMatchObject({ ok: false, status: 400 });
    expect(parse('tailLines=x')).toMatchObject({ ok: false, status: 400 });
    expect(parse('sinceTime=yesterday')).toMatchObject({ ok: false, status: 400 });
    expect(parse('stream=Both')).toMatchObject({ ok: false, status: 400 });
    expect(parse('tailLines=-1')).toMatchObject({ ok: false, status: 422 });
    expect(parse('limitBytes=0')).toMatchObject({ ok: false, status: 422 });
    expect(parse('sinceSeconds=0')).toMatchObject({ ok: false, status: 422 });
    expect(parse('sinceSeconds=5&sinceTime=2026-01-02T03:04:06Z')).toMatchObject({ ok: false, status: 422 });
  });

  const base: LogOptions = { follow: false, previous: false, timestamps: false, stream: 'All' };
  const render = (options: Partial<LogOptions>, records: LogRecord[]) => {
    const out: Buffer[] = [];
    const output = createLogOutput({ ...base, ...options }, (bytes) => out.push(bytes));
    for (const r of records) if (!output.write(r)) break;
    return Buffer.concat(out).toString();
  };
  const lines = [record(0, 'a'), record(1, 'b', 'stderr'), record(2, 'c'), record(3, 'd')];

  it('strips the record framing, keeps lines at or after sinceTime, prefixes times only at line starts', () => {
    expect(render({}, lines)).toBe('a\nb\nc\nd\n');
    expect(render({ sinceNs: at(2) }, lines)).toBe('c\nd\n');
    expect(render({ timestamps: true, sinceNs: at(3) }, lines)).toBe('2026-01-02T03:04:08.000000000Z d\n');
    expect(render({ timestamps: true }, [record(0, 'long ', 'stdout', true), record(0, 'line'), record(1, 'next')])).toBe(
      '2026-01-02T03:04:05.000000000Z long line\n2026-01-02T03:04:06.000000000Z next\n',
    );
    expect(render({ stream: 'Stderr' }, lines)).toBe('b\n');
    expect(render({ stream: 'Stdout' }, lines)).toBe('a\nc\nd\n');
  });

  it('stops at limitBytes, mid-line if need be', () => {
    expect(render({ limitBytes: 3 }, lines)).toBe('a\nb');
    expect(render({ limitBytes: 4 }, lines)).toBe('a\nb\n');
    expect(render({ limitBytes: 1000, timestamps: true }, lines)).toHaveLength(4 * 33);
  });
});

describe('which run a log request reads (validateContainerLogStatus)', () => {
  const status = (state: ContainerStatus['state'], lastState: ContainerStatus['lastState'] = {}, containerID?: string): ContainerStatus => ({
    name: 'c',
    image: 'i',
    imageID: '',
    ready: false,
    started: false,
    restartCount: 0,
    state,
    lastState,
    ...(containerID ? { containerID } : {}),
  });
  const terminated = (containerID: string) => ({ terminated: { exitCode: 1, reason: 'Error', finishedAt: 'x', containerID } });

  it('reads the running run, or the last terminated one, and `previous` the one before', () => {
    expect(chooseLogRun(status({ running: { startedAt: 'x' } }, terminated('id-0'), 'id-1'), 'p', false)).toEqual({ ok: true, containerId: 'id-1' });
    expect(chooseLogRun(status({ running: { startedAt: 'x' } }, terminated('id-0'), 'id-1'), 'p', true)).toEqual({ ok: true, containerId: 'id-0' });
    // Crash back-off: both read the run that just ended.
    expect(chooseLogRun(status({ waiting: { reason: 'CrashLoopBackOff' } }, terminated('id-3'), 'id-3'), 'p', false)).toEqual({ ok: true, containerId: 'id-3' });
    expect(chooseLogRun(status(terminated('id-0'), {}, 'id-0'), 'p', false)).toEqual({ ok: true, containerId: 'id-0' });
  });

  it('says why a container has no log', () => {
    expect(chooseLogRun(status({ running: { startedAt: 'x' } }, {}, 'id-0'), 'p', true)).toEqual({ ok: false, message: 'previous terminated container "c" in pod "p" not found' });
    expect(chooseLogRun(status({ waiting: { reason: 'ErrImagePull' } }), 'p', false)).toEqual({ ok: false, message: 'container "c" in pod "p" is waiting to start: ErrImagePull' });
  });
});

describe('kubelet API log endpoint (HTTPS on loopback)', () => {
  let dir: string;
  let server: KubeletLogServer;
  let apiServerClient: CertificateAndKey;
  let log: ContainerLog;
  let clockNs = at(0);
  const pods = new Map<string, PodLogs>();
  const statuses = new Map<string, ContainerStatus>();

  /** `client` null: no client certificate at all. */
  const get = (path: string, client: CertificateAndKey | null = apiServerClient) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path, cert: client?.cert, key: client?.key, rejectUnauthorized: false, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });

  const runningStatus = (containerID: string, previousID?: string): ContainerStatus => ({
    name: 'echo',
    image: 'i',
    imageID: '',
    containerID,
    ready: true,
    started: true,
    restartCount: previousID ? 1 : 0,
    state: { running: { startedAt: 'x' } },
    lastState: previousID ? { terminated: { exitCode: 2, reason: 'Error', finishedAt: 'x', containerID: previousID } } : {},
  });

  /** Resolves once the log file holds `text` (writes complete asynchronously). */
  const written = async (containerLog: ContainerLog, text: string) => {
    for (;;) {
      const next = containerLog.changed();
      if (containerLog.written() > 0 && readFileSync(containerLog.file, 'utf8').includes(text)) return;
      await next;
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ptcna-logs-'));
    const clientCa = issueCertificateAuthority();
    apiServerClient = issueClientCertificate(clientCa);
    const serving = issueKubeletServingCertificate('node-a', '127.0.0.1');
    log = createContainerLog(join(dir, 'pod-a', 'echo.log'), () => clockNs);
    const first = log.beginRun('run-0');
    clockNs = at(0);
    first.stdout(Buffer.from('first run\n'));
    first.end();
    const second = log.beginRun('run-1');
    for (const [second_, line] of [[10, 'line 10'], [11, 'line 11'], [12, 'line 12']] as const) {
      clockNs = at(second_);
      second.stdout(Buffer.from(`${line}\n`));
    }
    clockNs = at(12);
    second.stderr(Buffer.from('warning 12\n'));
    statuses.set('echo', runningStatus('run-1', 'run-0'));
    const waitingLog = createContainerLog(join(dir, 'pod-a', 'sidecar.log'));
    pods.set('ns-a/pod-a', {
      container(name) {
        if (name === 'echo') return { status: statuses.get('echo')!, log };
        if (name === 'sidecar') return { status: { ...runningStatus('x'), name: 'sidecar', containerID: undefined, state: { waiting: { reason: 'ErrImagePull' } }, lastState: {} }, log: waitingLog };
        return undefined;
      },
    });
    await written(log, 'warning 12');
    server = await startKubeletLogServer({ host: '127.0.0.1', port: 0, cert: serving.cert, key: serving.key, clientCa: clientCa.cert, findPod: (ns, pod) => pods.get(`${ns}/${pod}`) });
  });

  afterAll(async () => {
    await server?.close();
    log?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records CRI lines in the container log file', () => {
    expect(readFileSync(log.file, 'utf8').split('\n').slice(0, 2)).toEqual(['2026-01-02T03:04:05.000000000Z stdout F first run', '2026-01-02T03:04:15.000000000Z stdout F line 10']);
  });

  it('serves the current run without the record framing', async () => {
    expect(await get('/containerLogs/ns-a/pod-a/echo')).toEqual({ status: 200, text: 'line 10\nline 11\nline 12\nwarning 12\n' });
  });

  it('applies sinceTime (as kube-apiserver formats it), tailLines, limitBytes and timestamps', async () => {
    expect((await get('/containerLogs/ns-a/pod-a/echo?sinceTime=2026-01-02T03%3A04%3A16Z')).text).toBe('line 11\nline 12\nwarning 12\n');
    expect((await get('/containerLogs/ns-a/pod-a/echo?tailLines=2')).text).toBe('line 12\nwarning 12\n');
    expect((await get('/containerLogs/ns-a/pod-a/echo?tailLines=0')).text).toBe('');
    expect((await get('/containerLogs/ns-a/pod-a/echo?tailLines=99')).text).toBe('line 10\nline 11\nline 12\nwarning 12\n');
    expect((await get('/containerLogs/ns-a/pod-a/echo?limitBytes=10')).text).toBe('line 10\nli');
    expect((await get('/containerLogs/ns-a/pod-a/echo?timestamps=true&tailLines=1')).text).toBe('2026-01-02T03:04:17.000000000Z warning 12\n');
    expect((await get('/containerLogs/ns-a/pod-a/echo?stream=Stderr')).text).toBe('warning 12\n');
    expect((await get('/containerLogs/ns-a/pod-a/echo?sinceSeconds=1')).text).toBe('');
  });

  it('serves the previous run with previous=true', async () => {
    expect(await get('/containerLogs/ns-a/pod-a/echo?previous=true')).toEqual({ status: 200, text: 'first run\n' });
  });

  it('answers 404 for a pod or container it does not have, 400 for a container without a log, as the kubelet does', async () => {
    expect(await get('/containerLogs/ns-a/nobody/echo')).toEqual({ status: 404, text: 'pod "nobody" does not exist' });
    expect(await get('/containerLogs/ns-a/pod-a/nothing')).toEqual({ status: 404, text: 'container "nothing" not found in pod "pod-a"' });
    expect(await get('/containerLogs/ns-a/pod-a/sidecar')).toEqual({ status: 400, text: 'container "sidecar" in pod "pod-a" is waiting to start: ErrImagePull' });
    expect((await get('/containerLogs/ns-a/pod-a')).status).toBe(404);
    expect((await get('/containerLogs/ns-a/pod-%zz/echo')).status).toBe(400);
    expect((await get('/containerLogs/ns-a/pod-a/echo?tailLines=-1')).status).toBe(422);
  });

  it('follows the live run until it ends', async () => {
    const containerLog = createContainerLog(join(dir, 'pod-b', 'tail.log'), () => clockNs);
    const output = containerLog.beginRun('live-0');
    output.stdout(Buffer.from('before\n'));
    await written(containerLog, 'before');
    pods.set('ns-a/pod-b', { container: (name) => (name === 'tail' ? { status: { ...runningStatus('live-0'), name: 'tail' }, log: containerLog } : undefined) });
    const received: string[] = [];
    const done = new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/containerLogs/ns-a/pod-b/tail?follow=true', cert: apiServerClient.cert, key: apiServerClient.key, rejectUnauthorized: false }, (res) => {
        res.on('data', (chunk: Buffer) => {
          received.push(chunk.toString());
          // Written only once the follow has shown what was there: what comes next arrives while it waits.
          if (received.join('') === 'before\n') output.stdout(Buffer.from('during 1\nduring 2\n'));
          if (received.join('').endsWith('during 2\n')) {
            output.stdout(Buffer.from('no newline at the end'));
            output.end();
          }
        });
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    expect(await done).toBe(200);
    expect(received.join('')).toBe('before\nduring 1\nduring 2\nno newline at the end\n');
    containerLog.close();
  });

  it('stops a follow when the client goes away', async () => {
    const containerLog = createContainerLog(join(dir, 'pod-c', 'quiet.log'));
    containerLog.beginRun('quiet-0').stdout(Buffer.from('only line\n'));
    await written(containerLog, 'only line');
    pods.set('ns-a/pod-c', { container: (name) => (name === 'quiet' ? { status: { ...runningStatus('quiet-0'), name: 'quiet' }, log: containerLog } : undefined) });
    const closed = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/containerLogs/ns-a/pod-c/quiet?follow=true', cert: apiServerClient.cert, key: apiServerClient.key, rejectUnauthorized: false }, (res) => {
        res.once('data', (chunk: Buffer) => {
          req.destroy();
          resolve(chunk.toString());
        });
      });
      req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
      req.end();
    });
    expect(closed).toBe('only line\n');
    containerLog.close();
  });

  it('serves a log of many chunks whole, and tails it across chunk boundaries', async () => {
    const containerLog = createContainerLog(join(dir, 'pod-d', 'big.log'), () => clockNs);
    const output = containerLog.beginRun('big-0');
    const lines = Array.from({ length: 20_000 }, (_, index) => `line ${index} ${'x'.repeat(200)}`);
    output.stdout(Buffer.from(`${lines.join('\n')}\n`));
    output.end();
    await written(containerLog, 'line 19999 ');
    pods.set('ns-a/pod-d', { container: (name) => (name === 'big' ? { status: { ...runningStatus('big-0'), name: 'big' }, log: containerLog } : undefined) });
    const whole = await get('/containerLogs/ns-a/pod-d/big');
    expect(whole.text.length).toBeGreaterThan(4_000_000);
    expect(whole.text).toBe(`${lines.join('\n')}\n`);
    expect((await get('/containerLogs/ns-a/pod-d/big?tailLines=3')).text).toBe(`${lines.slice(-3).join('\n')}\n`);
    expect((await get('/containerLogs/ns-a/pod-d/big?tailLines=700')).text).toBe(`${lines.slice(-700).join('\n')}\n`);
    containerLog.close();
  });

  it('accepts only client certificates its CA signed', async () => {
    await expect(get('/containerLogs/ns-a/pod-a/echo', null)).rejects.toThrow();
    const stranger = issueClientCertificate(issueCertificateAuthority());
    await expect(get('/containerLogs/ns-a/pod-a/echo', stranger)).rejects.toThrow();
  });

  it('takes a free port when the one it was given is taken', async () => {
    const serving = issueKubeletServingCertificate('node-b', '127.0.0.1');
    const second = await startKubeletLogServer({ host: '127.0.0.1', port: server.port, cert: serving.cert, key: serving.key, clientCa: serving.cert, findPod: () => undefined });
    expect(second.port).not.toBe(server.port);
    expect(second.port).toBeGreaterThan(0);
    await second.close();
  });
});
