/**
 * Plain JSON GETs against the API server, with the kubeconfig's credentials.
 *
 * The informers list through here rather than through client-node's typed APIs: those turn timestamps
 * into `Date`s and drop `apiVersion`/`kind` from list items, while watch events arrive as the raw JSON.
 * Reading both as raw JSON gives the translator one shape, the shape `kubectl get -o json` and our YAML
 * loader produce, and skips a model conversion per object.
 */
import {
  createConfiguration,
  HttpMethod,
  ServerConfiguration,
  type Configuration,
  type KubeConfig,
} from '@kubernetes/client-node';

/** A non-2xx answer of the API server; `statusCode` 404 means the resource is not served. */
export class KubeApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    /** The `reason` of the metav1.Status body (`NotFound`, `Forbidden`, `Expired`…), when there is one. */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** The HTTP status an error carries: ours, client-node's watch errors (`statusCode`) or its ApiException (`code`). */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { statusCode, code } = err as { statusCode?: unknown; code?: unknown };
  if (typeof statusCode === 'number') return statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** A short, log-safe description of a failed request (never a response body beyond Status.message). */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

/** A Kubernetes list response, untyped. */
export interface RawList {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: Record<string, unknown>[];
}

export interface KubeApiClient {
  /** GETs `path` and parses the JSON answer; throws KubeApiError on a non-2xx status. */
  getJson<T>(path: string, query?: Record<string, string>): Promise<T>;
  /** Lists a whole collection page by page (consistent: one resourceVersion for all pages). */
  listAll(path: string): Promise<{ items: Record<string, unknown>[]; resourceVersion: string }>;
}

/** A page size like client-go's reflector: big lists never become one huge response. */
const PAGE_SIZE = 500;
/** A request that has not answered by then is abandoned (and retried by the caller). */
const REQUEST_TIMEOUT_MS = 60_000;

export function createKubeApiClient(kubeConfig: KubeConfig): KubeApiClient {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('kubernetes provider: the kubeconfig has no current cluster');
  const configuration: Configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
  });

  async function getJson<T>(path: string, query: Record<string, string> = {}): Promise<T> {
    const request = configuration.baseServer.makeRequestContext(path, HttpMethod.GET);
    request.setHeaderParam('Accept', 'application/json');
    for (const [name, value] of Object.entries(query)) request.setQueryParam(name, value);
    request.setSignal(AbortSignal.timeout(REQUEST_TIMEOUT_MS));
    await kubeConfig.applySecurityAuthentication(request);
    const response = await configuration.httpApi.send(request).toPromise();
    const text = await response.body.text();
    if (response.httpStatusCode < 200 || response.httpStatusCode > 299) {
      const status = parseStatus(text);
      const detail = status?.message ?? (response.httpStatusCode === 404 ? 'not found' : `HTTP ${response.httpStatusCode}`);
      throw new KubeApiError(response.httpStatusCode, `GET ${path}: ${detail}`, status?.reason);
    }
    return JSON.parse(text) as T;
  }

  return {
    getJson,
    async listAll(path) {
      const items: Record<string, unknown>[] = [];
      let resourceVersion = '';
      let token: string | undefined;
      do {
        const page: RawList = await getJson<RawList>(path, { limit: String(PAGE_SIZE), ...(token ? { continue: token } : {}) });
        if (page.items) for (const item of page.items) items.push(item);
        // Every page of one list shares the first page's snapshot; its resourceVersion is where to watch from.
        resourceVersion ||= page.metadata?.resourceVersion ?? '';
        token = page.metadata?.continue || undefined;
      } while (token);
      return { items, resourceVersion };
    },
  };
}

function parseStatus(text: string): { message?: string; reason?: string } | undefined {
  try {
    const body = JSON.parse(text) as { kind?: unknown; message?: unknown; reason?: unknown };
    if (body.kind !== 'Status') return undefined;
    return {
      ...(typeof body.message === 'string' ? { message: body.message } : {}),
      ...(typeof body.reason === 'string' ? { reason: body.reason } : {}),
    };
  } catch {
    return undefined;
  }
}
