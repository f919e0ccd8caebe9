/**
 * What the isolation tests share: one echo backend, a Gateway whose one HTTP listener admits routes
 * from every namespace (the shared listener two teams use), routes written as YAML, polling helpers
 * with a deadline, and the NACK counts both sides keep (Portico's /debug/clients, Envoy's stats).
 */
import { createServer, type Server } from 'node:http';
import type { EnvoyProcess } from './envoy-process.js';
import type { ServeProcess } from './serve-process.js';

export const GATEWAY = 'infra/shared';

export async function startEcho(name: string): Promise<{ port: number; server: Server }> {
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end(name);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { port: (server.address() as { port: number }).port, server };
}

export function closeEcho(echo: { server: Server }): Promise<void> {
  echo.server.closeAllConnections();
  return new Promise((ok) => echo.server.close(() => ok()));
}

/** GatewayClass, the shared Gateway, and the echo Service (with its endpoint) in each namespace. */
export function baseYaml(listenerPort: number, echoPort: number, namespaces: readonly string[]): string {
  const service = (ns: string) => `---
apiVersion: v1
kind: Service
metadata: { name: echo, namespace: ${ns} }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: echo-1, namespace: ${ns}, labels: { kubernetes.io/service-name: echo } }
addressType: IPv4
ports: [{ name: http, port: ${echoPort} }]
endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
`;
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico-isolation }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: shared, namespace: infra }
spec:
  gatewayClassName: portico-isolation
  listeners:
  - { name: http, protocol: HTTP, port: ${listenerPort}, allowedRoutes: { namespaces: { from: All } } }
${namespaces.map(service).join('')}`;
}

/** An HTTPRoute on the shared listener; `rules` is YAML indented for `spec.rules`. */
export function routeYaml(namespace: string, name: string, rules: string): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  parentRefs: [{ name: shared, namespace: infra }]
  rules:
${rules}`;
}

export async function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { redirect: 'manual', headers, signal: AbortSignal.timeout(5_000) });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { status: 0, body: (error as Error).message };
  }
}

/** Polls `probe` until it returns a value, failing with `what` and `context()` after `timeoutMs`. */
export async function pollFor<T>(what: string, probe: () => Promise<T | undefined>, context: () => string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${context()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface StatusObject {
  kind: string;
  metadata: { namespace?: string; name: string };
  status?: { parents?: { conditions?: { type: string; status: string; reason: string; message: string }[] }[] };
}

/** The conditions Portico reports for a route (first parent), from /debug/status. */
export async function routeConditions(serve: ServeProcess, namespace: string, name: string): Promise<Record<string, { status: string; reason: string; message: string }> | undefined> {
  const { body } = await serve.admin<{ objects: StatusObject[] }>('/debug/status');
  const route = body.objects?.find((o) => o.kind === 'HTTPRoute' && o.metadata.namespace === namespace && o.metadata.name === name);
  const conditions = route?.status?.parents?.[0]?.conditions;
  return conditions ? Object.fromEntries(conditions.map((c) => [c.type, c])) : undefined;
}

/** NACKs Portico recorded from every connected Envoy (all types), from /debug/clients. */
export async function nacksSeenByPortico(serve: ServeProcess): Promise<number> {
  const { body } = await serve.admin<{ clients: { types: Record<string, { nacks?: number }> }[] }>('/debug/clients');
  return body.clients.reduce((sum, c) => sum + Object.values(c.types).reduce((s, t) => s + (t.nacks ?? 0), 0), 0);
}

/** Envoy has an active listener (its route table arrived with it or will, over RDS). */
export async function envoyListening(envoy: EnvoyProcess): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${envoy.adminPort}/stats?filter=listener_manager.total_listeners_active&format=json`).catch(() => undefined);
  if (!response) return false;
  const body = (await response.json()) as { stats: { value?: number }[] };
  return (body.stats[0]?.value ?? 0) >= 1;
}
