/**
 * The one part of the kubelet API this node serves: GET /containerLogs/{namespace}/{pod}/{container},
 * which kube-apiserver calls for `kubectl logs` / pods/log (pkg/registry/core/pod strategy.go
 * LogLocation), answered as the kubelet's server.go getContainerLogs answers it: 404 for a pod or
 * container this node does not have, 400 for a container without a log yet (the reason in the body,
 * which the API server passes on), else the run's lines as text, streamed.
 *
 * HTTPS on one address only (the node's bridge address); a client must present a certificate that
 * `clientCa` signed — kube-apiserver's --kubelet-client-certificate — or the handshake fails. There is
 * no authorization beyond that (the kubelet asks the API server with a SubjectAccessReview; the only
 * client that holds such a certificate here is the API server itself).
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chooseLogRun, type ContainerLog } from '../containers/container-log.js';
import type { ContainerStatus } from '../containers/container-status.js';
import { nowNs } from './cri-log-format.js';
import { createLogOutput, parseLogOptions } from './log-options.js';
import { readRun } from './log-reader.js';

/** What the server needs to know of a pod this node runs. */
export interface PodLogs {
  /** The container's status and log, for every container in the pod's spec (init containers too); undefined if none is so named. */
  container(name: string): { status: ContainerStatus; log: ContainerLog } | undefined;
}

export interface KubeletLogServerOptions {
  /** The one address to listen on. */
  host: string;
  /** Tried first (the kubelet's 10250); if it is taken, any free port. */
  port: number;
  /** PEM serving certificate and key. */
  cert: string;
  key: string;
  /** PEM CA: only client certificates it signed are accepted. */
  clientCa: string;
  findPod(namespace: string, pod: string): PodLogs | undefined;
  log?(message: string): void;
}

export interface KubeletLogServer {
  port: number;
  close(): Promise<void>;
}

const LOGS_PATH = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/;

function plain(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(message);
}

export async function serveContainerLogs(request: IncomingMessage, response: ServerResponse, findPod: KubeletLogServerOptions['findPod']): Promise<void> {
  const url = new URL(request.url ?? '/', 'https://node');
  const match = LOGS_PATH.exec(url.pathname);
  if (request.method !== 'GET' || !match) return plain(response, 404, '404 page not found\n');
  let names: string[];
  try {
    names = match.slice(1).map(decodeURIComponent);
  } catch {
    return plain(response, 400, `malformed path ${url.pathname}`);
  }
  const [namespace, podName, containerName] = names as [string, string, string];
  const parsed = parseLogOptions(url.searchParams, nowNs());
  if (!parsed.ok) return plain(response, parsed.status, parsed.message);
  const { options } = parsed;

  const pod = findPod(namespace, podName);
  if (!pod) return plain(response, 404, `pod "${podName}" does not exist`);
  const container = pod.container(containerName);
  if (!container) return plain(response, 404, `container "${containerName}" not found in pod "${podName}"`);
  const choice = chooseLogRun(container.status, podName, options.previous);
  if (!choice.ok) return plain(response, 400, choice.message);
  const run = container.log.run(choice.containerId);
  if (!run) return plain(response, 400, `container "${containerName}" in pod "${podName}" has no log for ${choice.containerId}`);

  const abort = new AbortController();
  response.on('close', () => abort.abort());
  response.writeHead(200, { 'Content-Type': 'text/plain' });
  // Headers out at once: a follow of a quiet container must not leave the API server waiting for them.
  response.flushHeaders();
  const output = createLogOutput(options, (bytes) => response.write(bytes));
  // A slow client (or API server) holds the reading, not the agent's memory.
  const pace = () => (response.writableNeedDrain && !abort.signal.aborted ? new Promise<void>((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  }) : Promise.resolve());
  await readRun(container.log, run, { tailLines: options.tailLines, follow: options.follow, signal: abort.signal, pace }, (record) => !abort.signal.aborted && output.write(record));
  response.end();
}

export async function startKubeletLogServer(options: KubeletLogServerOptions): Promise<KubeletLogServer> {
  const log = options.log ?? (() => undefined);
  const server: Server = createServer({ cert: options.cert, key: options.key, ca: options.clientCa, requestCert: true, rejectUnauthorized: true }, (request, response) => {
    serveContainerLogs(request, response, options.findPod).catch((error: Error) => {
      log(`kubelet API ${request.url}: ${error.message}`);
      if (!response.headersSent) plain(response, 500, error.message);
      else response.destroy(error);
    });
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await listen(options.port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || options.port === 0) throw error;
    log(`kubelet API: ${options.host}:${options.port} is taken; listening on a free port`);
    await listen(0);
  }
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Follows would otherwise hold the close until their containers end.
        server.closeAllConnections();
      }),
  };
}
