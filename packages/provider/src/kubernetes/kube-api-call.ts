/**
 * What every API call of the status writer and the leader elector needs from
 * @kubernetes/client-node 1.4: a bounded request time (the client has none by default, and a request
 * to an unreachable API server would otherwise hang a writer slot or a renewal forever), reused
 * connections, and an error summary fit for logs — `ApiException.message` embeds the whole response
 * body and headers, so we log only the HTTP code, the Status reason and its message.
 */
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import { Observable, type ConfigurationOptions, type ObservableMiddleware, type RequestContext, type ResponseContext } from '@kubernetes/client-node';

/** What went wrong with one call, safe to log. */
export interface ApiCallError {
  /** HTTP status, absent for transport errors (refused, reset, timed out). */
  code?: number;
  /** metav1.Status reason (`Conflict`, `NotFound`, …) when the server sent one. */
  reason?: string;
  message: string;
  /** metav1.Status details.name: set when a named object is missing, absent when the resource type is. */
  missingName?: string;
}

function parseStatusBody(body: unknown): Record<string, unknown> | undefined {
  if (typeof body === 'object' && body !== null) return body as Record<string, unknown>;
  if (typeof body !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Summarizes an error thrown by a client-node call (an ApiException, or a fetch/abort error). */
export function describeApiError(error: unknown): ApiCallError {
  const candidate = error as { code?: unknown; body?: unknown; name?: unknown; message?: unknown } | null;
  if (candidate && typeof candidate.code === 'number') {
    const status = parseStatusBody(candidate.body);
    const details = status?.['details'] as { name?: unknown } | undefined;
    return {
      code: candidate.code,
      ...(typeof status?.['reason'] === 'string' ? { reason: status['reason'] } : {}),
      message: typeof status?.['message'] === 'string' ? status['message'] : `HTTP ${candidate.code}`,
      ...(typeof details?.name === 'string' && details.name !== '' ? { missingName: details.name } : {}),
    };
  }
  const name = typeof candidate?.name === 'string' ? candidate.name : 'Error';
  const message = typeof candidate?.message === 'string' ? candidate.message : String(error);
  return { message: `${name}: ${message.split('\n')[0]}` };
}

/** The TLS settings an agent of client-node's carries: an agent is reused only while these stay the same. */
function tlsIdentity(options: AgentOptions): string {
  const text = (value: unknown) => (value === undefined ? '' : Buffer.isBuffer(value) ? value.toString('base64') : String(value));
  return [options.ca, options.cert, options.key, options.pfx, options.passphrase, options.rejectUnauthorized, options.servername].map(text).join('|');
}

/**
 * Per-call options for client-node's ObjectParamAPI calls (an Observable middleware): each request is
 * aborted after `timeoutMs`, and requests share one keep-alive HTTPS agent. client-node builds a new
 * agent, hence a new TLS handshake, for every request; on a loaded 2-core test machine that capped a
 * Lease GET at ~130 requests/s against ~600 with a reused connection, and the handshakes cost the
 * API server as much as us. The agent is rebuilt when the kubeconfig's TLS material changes (a
 * rotated client certificate); proxy agents are left alone.
 */
export interface CallOptions {
  /** The options to pass to each call. */
  options(): ConfigurationOptions;
  /** Closes the shared connections (when the component stops). */
  close(): void;
}

export function createCallOptions(timeoutMs: number): CallOptions {
  let shared: { identity: string; agent: HttpsAgent } | undefined;
  const reuse = (agent: unknown): HttpsAgent | undefined => {
    if (!(agent instanceof HttpsAgent) || agent.constructor !== HttpsAgent) return undefined;
    const options = (agent as HttpsAgent & { options: AgentOptions }).options;
    const identity = tlsIdentity(options);
    if (shared?.identity !== identity) {
      shared?.agent.destroy();
      // Idle sockets close after 30 s, before any API server's idle timeout can reset them under us.
      shared = { identity, agent: new HttpsAgent({ ...options, keepAlive: true, timeout: 30_000 }) };
    }
    return shared.agent;
  };
  const middleware: ObservableMiddleware = {
    pre(context: RequestContext) {
      context.setSignal(AbortSignal.timeout(timeoutMs));
      const agent = reuse(context.getAgent());
      if (agent) context.setAgent(agent);
      return new Observable(Promise.resolve(context));
    },
    post: (context: ResponseContext) => new Observable(Promise.resolve(context)),
  };
  const options: ConfigurationOptions = { middleware: [middleware], middlewareMergeStrategy: 'append' };
  return {
    options: () => options,
    close() {
      shared?.agent.destroy();
      shared = undefined;
    },
  };
}
