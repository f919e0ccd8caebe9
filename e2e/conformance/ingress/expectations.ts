/**
 * The "Then/And" steps of a scenario checked against a captured exchange, with upstream's rules
 * (test/state): exact comparisons, a request path compared with a leading `/` added, a header table
 * value `*` meaning "present, any value". Each check answers the reason it failed, or undefined.
 */
import type { CapturedExchange } from './round-trip.js';
import type { Expectation } from './scenario-types.js';

function headerCheck(where: 'request' | 'response', headers: Record<string, string[]> | undefined, name: string, value: string): string | undefined {
  const values = headers?.[name];
  if (!values) return `expected ${where} headers to contain ${name} but it only contained ${JSON.stringify(headers ?? {})}`;
  if (value !== '*' && !values.includes(value)) return `expected ${where} header ${name} to contain the value ${value} but it contained ${JSON.stringify(values)}`;
  return undefined;
}

export function checkExpectation(expectation: Expectation, exchange: CapturedExchange): string | undefined {
  const { echoed } = exchange;
  switch (expectation.kind) {
    case 'status':
      return exchange.status === expectation.code ? undefined : `expected status code ${expectation.code} but ${exchange.status} was returned`;
    case 'served-by':
      return echoed.service === expectation.service ? undefined : `expected the request to be served by ${expectation.service} but it was served by ${echoed.service ?? '(no echo backend)'}`;
    case 'response-proto':
      return exchange.proto === expectation.proto ? undefined : `expected the response protocol to be ${expectation.proto} but it was ${exchange.proto}`;
    case 'response-header':
      return headerCheck('response', exchange.headers, expectation.name, expectation.value);
    case 'request-method':
      return echoed.method === expectation.method ? undefined : `expected the request method to be ${expectation.method} but it was ${echoed.method}`;
    case 'request-path': {
      const path = expectation.path.startsWith('/') ? expectation.path : `/${expectation.path}`;
      return echoed.path === path ? undefined : `expected the request path to be ${path} but it was ${echoed.path}`;
    }
    case 'request-proto':
      return echoed.proto === expectation.proto ? undefined : `expected the request protocol to be ${expectation.proto} but it was ${echoed.proto}`;
    case 'request-header':
      return headerCheck('request', echoed.headers, expectation.name, expectation.value);
    case 'request-host':
      return echoed.host === expectation.host ? undefined : `expected the request host to be ${expectation.host} but was ${echoed.host}`;
    case 'tls-hostname':
      return exchange.tlsHostname === expectation.hostname ? undefined : `expected the response TLS hostname to be ${expectation.hostname} but was ${exchange.tlsHostname}`;
  }
}

/** The first expectation that fails, in the scenario's order (a Gherkin scenario stops at its first failed step). */
export function firstFailure(expectations: readonly Expectation[], exchange: CapturedExchange): string | undefined {
  for (const expectation of expectations) {
    const failure = checkExpectation(expectation, exchange);
    if (failure) return failure;
  }
  return undefined;
}

/**
 * The load-balancing check: the distinct pods that answered with `status` must number exactly `pods`
 * (upstream collects pods per status code and looks only at the expected code's set).
 */
export function checkSpread(exchanges: readonly CapturedExchange[], status: number, pods: number): string | undefined {
  const answering = exchanges.filter((e) => e.status === status);
  if (answering.length === 0) return `no responses for status code ${status} returned (got ${[...new Set(exchanges.map((e) => e.status))].join(', ')})`;
  const distinct = new Set(answering.map((e) => e.echoed.pod ?? ''));
  if (distinct.size !== pods) return `expected ${pods} different pods for status code ${status} but ${distinct.size} answered`;
  return undefined;
}
