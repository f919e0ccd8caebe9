/**
 * The few API calls the node agent makes, as plain HTTPS with the KubeConfig's credentials: the agent
 * writes Pod status, Node status and a Lease the way the kubelet does (merge patches on subresources),
 * which is simpler to say directly than through the generated client's per-call option plumbing.
 */
import { request, type RequestOptions } from 'node:https';
import { Watch, type KubeConfig } from '@kubernetes/client-node';

export interface KubeClient {
  get<T>(path: string): Promise<T | undefined>;
  create<T>(path: string, body: object): Promise<T>;
  /** JSON merge patch (RFC 7386), or a strategic merge patch (lists merged by key, e.g. Pod conditions by type). */
  patch<T>(path: string, body: object, kind?: 'merge' | 'strategic'): Promise<T>;
  delete(path: string, body?: object): Promise<void>;
  /** Watches `path` (a collection) with query parameters; returns a stop function. */
  watch(path: string, query: Record<string, string>, onEvent: (type: string, object: any) => void, onDone: (error: unknown) => void): Promise<() => void>;
}

export class KubeApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function createKubeClient(kubeConfig: KubeConfig): KubeClient {
  const server = new URL(kubeConfig.getCurrentCluster()!.server);

  async function call<T>(method: string, path: string, body?: object, contentType = 'application/json'): Promise<{ status: number; value: T }> {
    const payload = body ? Buffer.from(JSON.stringify(body)) : undefined;
    const options: RequestOptions = {
      method,
      host: server.hostname,
      port: Number(server.port || 443),
      path,
      headers: { Accept: 'application/json', ...(payload ? { 'Content-Type': contentType, 'Content-Length': payload.length } : {}) },
      timeout: 30_000,
    };
    await kubeConfig.applyToHTTPSOptions(options);
    return new Promise((resolve, reject) => {
      const req = request(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status === 404 && method === 'GET') return resolve({ status, value: undefined as T });
          if (status >= 300) return reject(new KubeApiError(status, `${method} ${path}: ${status} ${text.slice(0, 500)}`));
          resolve({ status, value: (text ? JSON.parse(text) : undefined) as T });
        });
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      if (payload) req.write(payload);
      req.end();
    });
  }

  return {
    get: async (path) => (await call<any>('GET', path)).value,
    create: async (path, body) => (await call<any>('POST', path, body)).value,
    patch: async (path, body, kind = 'merge') => (await call<any>('PATCH', path, body, `application/${kind === 'merge' ? 'merge' : 'strategic-merge'}-patch+json`)).value,
    async delete(path, body) {
      try {
        await call('DELETE', path, body);
      } catch (error) {
        if (!(error instanceof KubeApiError && error.status === 404)) throw error;
      }
    },
    async watch(path, query, onEvent, onDone) {
      const controller = await new Watch(kubeConfig).watch(path, query, onEvent, onDone);
      return () => controller.abort();
    },
  };
}
