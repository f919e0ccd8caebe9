/**
 * Checking a scenario's request against a proxy whose configuration converges: Portico writes the
 * Ingress's status once it has translated it, and Envoy gets the routes and endpoints a moment later,
 * so upstream sleeps a fixed few seconds before its one request. We instead repeat the request until
 * its expectations hold for `passesInARow` consecutive exchanges (so a lucky one does not count), or
 * fail at the deadline with the last reason.
 *
 * Before a scenario's own request, `settleRequest` gives a request that the Ingress certainly routes
 * to one of its backends (its first path, or its default backend): once that answers from the
 * scenario's namespace, Envoy has this Ingress's routes, and a 404 the scenario expects afterwards
 * means "no route", not "not configured yet".
 */
import { checkSpread, firstFailure } from './expectations.js';
import type { CapturedExchange } from './round-trip.js';
import type { Expectation, IngressManifest, ScenarioRequest } from './scenario-types.js';

export type SendRequest = (request: ScenarioRequest) => Promise<CapturedExchange>;

export interface EventualOptions {
  timeoutMs: number;
  intervalMs: number;
  passesInARow: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface EventualResult {
  failure?: string;
  attempts: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Repeats `attempt` (a failure reason, or undefined when it held) until it holds `passesInARow` times in a row. */
export async function eventually(attempt: () => Promise<string | undefined>, options: EventualOptions): Promise<EventualResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const deadline = now() + options.timeoutMs;
  let streak = 0;
  let attempts = 0;
  let failure: string | undefined;
  for (;;) {
    attempts++;
    try {
      failure = await attempt();
    } catch (error) {
      failure = `request failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    streak = failure === undefined ? streak + 1 : 0;
    if (streak >= options.passesInARow) return { attempts };
    if (now() >= deadline) return { failure: failure ?? `held only ${streak} time(s) in a row before the deadline`, attempts };
    await sleep(options.intervalMs);
  }
}

export function checkRequestEventually(send: SendRequest, request: ScenarioRequest, expect: readonly Expectation[], options: EventualOptions): Promise<EventualResult> {
  return eventually(async () => firstFailure(expect, await send(request)), options);
}

/** `requests` sequential requests per attempt; the pods that answered `status` must number `pods`. */
export function checkSpreadEventually(send: SendRequest, request: ScenarioRequest, requests: number, status: number, pods: number, options: EventualOptions): Promise<EventualResult> {
  return eventually(async () => {
    const exchanges: CapturedExchange[] = [];
    for (let i = 0; i < requests; i++) exchanges.push(await send(request));
    return checkSpread(exchanges, status, pods);
  }, options);
}

/** A host that a rule's host matches: itself, or for `*.suffix` one label in front of the suffix. */
function hostMatching(host: string | undefined): string {
  if (!host) return '';
  return host.startsWith('*.') ? `settle.${host.slice(2)}` : host;
}

/** A request the Ingress routes to one of its own backends, or undefined when it routes nothing. */
export function settleRequest(ingress: IngressManifest): ScenarioRequest | undefined {
  for (const rule of ingress.spec.rules ?? []) {
    const first = rule.http?.paths[0];
    if (first) return { method: 'GET', scheme: 'http', host: hostMatching(rule.host), path: first.path ?? '/' };
  }
  return ingress.spec.defaultBackend ? { method: 'GET', scheme: 'http', host: '', path: '/' } : undefined;
}

/** Expectation of the settle request: answered by an echo backend of the scenario's namespace. */
export function settledIn(namespace: string): (exchange: CapturedExchange) => string | undefined {
  return (exchange) =>
    exchange.status === 200 && exchange.echoed.namespace === namespace
      ? undefined
      : `not yet served from namespace ${namespace} (status ${exchange.status}, namespace ${exchange.echoed.namespace ?? '-'})`;
}
