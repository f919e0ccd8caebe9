/**
 * Helpers for the node agent's tests: a test-only image table (a `node` image whose containers are
 * node one-liners, beside the real Envoy and echo-basic when their binaries are at hand), and polling
 * a Pod through the API server until its status says what a test waits for.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { createKubeClient, type KubeClient } from '../../cluster/node-agent/kube-client.js';
import { defaultImageTable, type ImageTable } from '../../cluster/node-agent/index.js';

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
