import type { BackendIR, GatewayIR } from '@portico/ir';

/**
 * The backends that differ when nothing but backends did (the translator's EndpointSlice fast path
 * keeps every other part of the IR as the same objects): then only their clusters and endpoint sets
 * need building. Undefined when anything else changed, or backends were added, removed or renamed.
 */
export function changedBackendsOnly(previous: GatewayIR | undefined, ir: GatewayIR): BackendIR[] | undefined {
  if (!previous || previous.backends.length !== ir.backends.length) return undefined;
  for (const key of Object.keys(ir) as (keyof GatewayIR)[]) if (key !== 'backends' && previous[key] !== ir[key]) return undefined;
  const changed: BackendIR[] = [];
  for (let i = 0; i < ir.backends.length; i++) {
    const [before, after] = [previous.backends[i]!, ir.backends[i]!];
    if (before === after) continue;
    if (before.name !== after.name) return undefined;
    changed.push(after);
  }
  return changed;
}
