/**
 * `--rate-limit-service`, `--rate-limit-fail-closed`, `--rate-limit-timeout-ms` and
 * `--rate-limit-config-dir` of `portico serve`: where RateLimitPolicy `global` rules are counted (the
 * envoyproxy/ratelimit service, one for every Gateway, like Envoy Gateway's rate limit setting) and
 * where its configuration is written.
 */
import type { RateLimitServiceOptions } from '@portico/translator';
import { CliError } from '../../args.js';

/** What `portico translate` takes too, to show what serve would serve. */
export const RATE_LIMIT_SERVICE_OPTIONS = {
  'rate-limit-service': { type: 'string' },
  'rate-limit-fail-closed': { type: 'boolean', default: false },
  'rate-limit-timeout-ms': { type: 'string' },
} as const;

export const RATE_LIMIT_OPTIONS = {
  ...RATE_LIMIT_SERVICE_OPTIONS,
  'rate-limit-config-dir': { type: 'string' },
} as const;

export const RATE_LIMIT_SERVICE_HELP = `      --rate-limit-service HOST:PORT
                                The envoyproxy/ratelimit service's gRPC address, which counts
                                RateLimitPolicy global rules for every Gateway (without it they are Invalid)
      --rate-limit-fail-closed  When the service cannot answer, refuse requests (500) instead of letting
                                them pass (the default, as Envoy's and Envoy Gateway's)
      --rate-limit-timeout-ms N How long Envoy waits for the service's answer (default 100)
`;

export const RATE_LIMIT_HELP = `${RATE_LIMIT_SERVICE_HELP}      --rate-limit-config-dir DIR
                                Write the service's configuration here (one file per Gateway), the
                                folder it reads: <RUNTIME_ROOT>/<RUNTIME_SUBDIRECTORY>/config with
                                RUNTIME_WATCH_ROOT=false and RUNTIME_IGNOREDOTFILES=true
`;

export interface RateLimitArgs {
  rateLimitService?: RateLimitServiceOptions;
  rateLimitConfigDir?: string;
}

export function rateLimitArgs(values: { 'rate-limit-service'?: string; 'rate-limit-fail-closed'?: boolean; 'rate-limit-timeout-ms'?: string; 'rate-limit-config-dir'?: string }): RateLimitArgs {
  const address = values['rate-limit-service'];
  const dependent = (['rate-limit-fail-closed', 'rate-limit-timeout-ms', 'rate-limit-config-dir'] as const).filter((o) => values[o] !== undefined && values[o] !== false);
  if (address === undefined) {
    if (dependent.length > 0) throw new CliError(`--${dependent[0]} needs --rate-limit-service`);
    return {};
  }
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[2]) : 0;
  if (!match || port < 1 || port > 65535) throw new CliError(`invalid --rate-limit-service '${address}': expected HOST:PORT`);
  const host = match[1]!.replace(/^\[|\]$/g, '');
  const timeoutText = values['rate-limit-timeout-ms'];
  const timeoutMs = timeoutText === undefined ? undefined : Number(timeoutText);
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60_000)) {
    throw new CliError(`invalid --rate-limit-timeout-ms '${timeoutText}': expected a whole number of milliseconds from 1 to 60000`);
  }
  const dir = values['rate-limit-config-dir'];
  if (dir === '') throw new CliError('--rate-limit-config-dir needs a folder, not an empty string');
  return {
    rateLimitService: { host, port, failOpen: values['rate-limit-fail-closed'] !== true, ...(timeoutMs === undefined ? {} : { timeoutMs }) },
    ...(dir === undefined ? {} : { rateLimitConfigDir: dir }),
  };
}
