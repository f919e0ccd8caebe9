/**
 * One probe attempt (httpGet, tcpSocket, exec), as the kubelet's prober runs it: httpGet and tcpSocket
 * from the host to the pod's address through the bridge (the kubelet also probes from the host network
 * namespace), success for HTTP 200–399; exec inside the running container's namespaces (nsenter into its
 * network and mount namespaces, with its env), success for exit code 0. gRPC probes are not supported.
 */
import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';

export interface ProbeTarget {
  podIP: string;
  /** The container's named ports, for `port: http`. */
  ports: Map<string, number>;
  /** The container's main process (for exec probes); undefined when it is not running. */
  pid?: number;
  env: Map<string, string>;
  cwd: string;
}

export type ProbeResult = { ok: true } | { ok: false; message: string };

function resolvePort(port: number | string, target: ProbeTarget): number {
  if (typeof port === 'number') return port;
  const named = target.ports.get(port);
  if (named !== undefined) return named;
  const numeric = Number(port);
  if (Number.isInteger(numeric)) return numeric;
  throw new Error(`no container port named ${JSON.stringify(port)}`);
}

function httpGet(spec: any, target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  const https = spec.scheme === 'HTTPS';
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.35', Accept: '*/*' };
  for (const header of spec.httpHeaders ?? []) headers[header.name] = header.value;
  return new Promise((resolve) => {
    const req = (https ? httpsRequest : httpRequest)(
      { host: spec.host || target.podIP, port: resolvePort(spec.port, target), path: spec.path || '/', headers, timeout: timeoutMs, rejectUnauthorized: false },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve(status >= 200 && status < 400 ? { ok: true } : { ok: false, message: `HTTP probe failed with statuscode: ${status}` });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', (error) => resolve({ ok: false, message: `Get "${https ? 'https' : 'http'}://${spec.host || target.podIP}:${resolvePort(spec.port, target)}${spec.path || '/'}": ${error.message}` }));
    req.end();
  });
}

function tcpSocket(spec: any, target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: spec.host || target.podIP, port: resolvePort(spec.port, target), timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve({ ok: true });
    });
    socket.once('timeout', () => socket.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    socket.once('error', (error) => resolve({ ok: false, message: `dial tcp: ${error.message}` }));
  });
}

/** Runs `command` inside the container (its network and mount namespaces), as exec probes and preStop do. */
export function execInContainer(command: string[], target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  if (target.pid === undefined) return Promise.resolve({ ok: false, message: 'container is not running' });
  return new Promise((resolve) => {
    execFile('nsenter', ['-t', String(target.pid), '-m', '-n', '--', ...command], { env: Object.fromEntries(target.env), cwd: target.cwd, timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (!error) return resolve({ ok: true });
      resolve({ ok: false, message: `command ${JSON.stringify(command)} failed: ${(stderr || stdout || error.message).toString().trim().slice(0, 300)}` });
    });
  });
}

export async function runProbe(probe: any, target: ProbeTarget): Promise<ProbeResult> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  try {
    if (probe.httpGet) return await httpGet(probe.httpGet, target, timeoutMs);
    if (probe.tcpSocket) return await tcpSocket(probe.tcpSocket, target, timeoutMs);
    if (probe.exec) return await execInContainer(probe.exec.command ?? [], target, timeoutMs);
    return { ok: false, message: `probe type ${Object.keys(probe).join(',')} is not supported by the node agent` };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}
