/** The documents of `/ui/api/*` (packages/ui/src/contract.ts), fetched from the page's own origin. */
import type { DataPlaneDocument, ExplainDocument, GraphDocument, ObjectDetails } from '../contract.js';

const API = '/ui/api/';

/** A request the server refused or could not answer: its message is shown to the reader, never logged. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(API + path, { headers: { accept: 'application/json' }, ...(signal ? { signal } : {}) });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError('The Portico admin server cannot be reached.', 0);
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const message = typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string' ? (body as { error: string }).error : `${response.status} ${response.statusText}`;
    throw new ApiError(message, response.status);
  }
  return body as T;
}

export const fetchGraph = (): Promise<GraphDocument> => getJson<GraphDocument>('graph');
export const fetchDataPlane = (): Promise<DataPlaneDocument> => getJson<DataPlaneDocument>('dataplane');
export const fetchObject = (id: string, signal?: AbortSignal): Promise<ObjectDetails> => getJson<ObjectDetails>(`object?id=${encodeURIComponent(id)}`, signal);
export const fetchExplain = (query: string, signal?: AbortSignal): Promise<ExplainDocument> => getJson<ExplainDocument>(`explain?${query}`, signal);

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}
