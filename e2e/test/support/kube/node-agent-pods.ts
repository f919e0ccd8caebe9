/**
 * Helpers for the node agent's tests: a test-only image table (a `node` image whose containers are
 * node one-liners, beside the real Envoy and echo-basic when their binaries are at hand), polling
 * a Pod through the API server until its status says what a test waits for, and reading a Pod's log
 * through the API server (pods/log, which kube-apiserver fetches from the node's kubelet API).
 */
import { request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { createKubeClient, type KubeClient } from '../../../cluster/node-agent/kube-client.js';
import { defaultImageTable, type ImageTable } from '../../../cluster/node-agent/index.js';

/** `test.local/node:1` → this node binary, no ENTRYPOINT (command names the program), CMD a no-op. */
export const NODE_TEST_IMAGE = 'test.local/node:1';

export function testImageTable(): ImageTable {
  return [
    { pattern: `${NODE_TEST_IMAGE.split(':')[0]}:*`, entrypoint: [process.execPath], cmd: ['-e', ''], programs: { node: process.execPath } },
    ...defaultImageTable({ envoy: process.env.ENVOY_BIN || undefined, echoBasic: process.env.ECHO_BASIC_BIN || undefined }),
  ];
}

export interface PodPoller {
  client: KubeClient;
  get(name: string): Promise<any>;
  /** Polls every 100 ms until `check` holds (returns the pod), or fails after `timeoutMs` with the last status. */
  until(name: string, what: string, check: (pod: any) => boolean, timeoutMs?: number): Promise<any>;
  /** Polls until the Pod object is gone. */
  untilGone(name: string, timeoutMs?: number): Promise<void>;
}

export function podPoller(kubeConfig: KubeConfig, namespace: string): PodPoller {
  const client = createKubeClient(kubeConfig);
  const path = (name: string) => `/api/v1/namespaces/${namespace}/pods/${name}`;
  const get = (name: string) => client.get<any>(path(name));
  return {
    client,
    get,
    async until(name, what, check, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let pod: any;
      for (;;) {
        pod = await get(name);
        if (pod && check(pod)) return pod;
        if (Date.now() > deadline) throw new Error(`pod ${name}: timed out after ${timeoutMs} ms waiting for ${what}; status: ${JSON.stringify(pod?.status)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async untilGone(name, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (await get(name)) {
        if (Date.now() > deadline) throw new Error(`pod ${name} still exists after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

export const isReady = (pod: any): boolean => (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');

export function containerStatus(pod: any, name: string): any {
  return (pod.status?.containerStatuses ?? []).find((c: any) => c.name === name);
}

/**
 * GET pods/<pod>/log?<query> as the KubeConfig's user: the status and the body as text (a log, or
 * the API's JSON Status on an error). `onData` sees each chunk as it comes (a follow streams).
 */
export async function podLog(kubeConfig: KubeConfig, namespace: string, pod: string, query: Record<string, string>, onData?: (chunk: string) => void): Promise<{ status: number; text: string }> {
  const server = new URL(kubeConfig.getCurrentCluster()!.server);
  const options = {
    host: server.hostname,
    port: Number(server.port || 443),
    path: `/api/v1/namespaces/${namespace}/pods/${pod}/log?${new URLSearchParams(query)}`,
    headers: {} as Record<string, string>,
    timeout: 60_000,
  };
  await kubeConfig.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = request(options, (res) => {
      const chunks: string[] = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        chunks.push(chunk);
        onData?.(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: chunks.join('') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`pods/${pod}/log: timed out`)));
    req.end();
  });
}
