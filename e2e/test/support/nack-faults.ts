/**
 * The translator bugs isolation-nack.test.ts injects past every validation, so that Envoy refuses a
 * route table: an exact match on CORRUPT_HEADER becomes a regex match of its value (RE2 refuses
 * REFUSED_VALUE with ENVOY_ERROR: refused-regex-fault.ts); a match on QUIET_HEADER becomes the regex
 * `b{2000}`, which Envoy's text names no value of, so bisection must find it. A module of its own
 * (compiled to e2e/dist) so that the translation worker can import it (`workerRewriteIr`); in process
 * it is `buildXds`'s input.
 */
import type { GatewayIR } from '@portico/ir';
import { corruptRefusedRegex, mapHttpRoutes } from './refused-regex-fault.js';

export { CORRUPT_HEADER, ENVOY_ERROR, REFUSED_VALUE } from './refused-regex-fault.js';
/** A header whose match becomes a regex no value of the route shows: Envoy's text names nothing, bisection must find it. */
export const QUIET_HEADER = 'x-corrupt-quietly';

export function corruptNackFaults(ir: GatewayIR): GatewayIR {
  const quiet = mapHttpRoutes(ir, (r) => {
    const headers = r.match.headers;
    if (!headers?.some((h) => h.name === QUIET_HEADER)) return r;
    return { ...r, match: { ...r.match, headers: headers.map((h) => (h.name === QUIET_HEADER ? { ...h, type: 'RegularExpression' as const, value: 'b{2000}' } : h)) } };
  });
  return corruptRefusedRegex(quiet);
}
