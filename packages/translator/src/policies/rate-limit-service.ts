/**
 * The rate-limit service a Gateway's Envoys ask for RateLimitPolicy `global` rules: the one Portico is
 * configured with (TranslateOptions.rateLimitService), with this Gateway's own domain, so that two
 * Gateways' counters never mix. Present only when one of the Gateway's routes has global rules: the
 * ratelimit filter and its cluster are installed only then.
 */
import { listenerHTTPRoutes, type GatewayIR, type ListenerIR, type RateLimitServiceIR } from '@portico/ir';
import type { TranslationContext } from '../context.js';
import { DEFAULT_RATE_LIMIT_TIMEOUT_MS } from '../options.js';

/** The ratelimit service's domain for a Gateway (`namespace/name`). */
export function rateLimitDomain(gatewayKey: string): string {
  return `portico/${gatewayKey}`;
}

export function gatewayRateLimitService(ctx: TranslationContext, gatewayKey: string, listeners: readonly ListenerIR[]): Pick<GatewayIR, 'rateLimitService'> {
  const service = ctx.options.rateLimitService;
  if (!service || !listeners.some((l) => listenerHTTPRoutes(l).some((r) => r.rateLimit?.global !== undefined))) return {};
  const ir: RateLimitServiceIR = {
    host: service.host,
    port: service.port,
    domain: rateLimitDomain(gatewayKey),
    failOpen: service.failOpen ?? true,
    timeoutMs: service.timeoutMs ?? DEFAULT_RATE_LIMIT_TIMEOUT_MS,
  };
  return { rateLimitService: ir };
}
