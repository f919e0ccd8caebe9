/**
 * Kubernetes resource quantities (`512Mi`, `1G`, `1e9`), as far as a memory limit needs them: Envoy's
 * heap ceiling is sized from the container's memory limit, so the overload manager sheds load before
 * the kernel's OOM killer takes every connection down at once.
 */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** Bytes in a quantity (resource.Quantity's syntax), or undefined if it is not one. */
export function quantityBytes(quantity: string): number | undefined {
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(quantity.trim());
  if (!match) return undefined;
  const number = Number(match[1]);
  const multiplier = match[2] ? 10 ** Number(match[2].slice(1)) : (BINARY[match[3] ?? ''] ?? DECIMAL[match[3] ?? '']!);
  return Math.floor(number * multiplier);
}

/**
 * The heap ceiling for a container memory limit: 80%. The rest is what tcmalloc does not count as
 * heap (the binary, thread stacks, fragmentation); the overload manager acts at 95% and 98% of it.
 */
export function heapCeilingForMemoryLimit(limit: string | undefined): number | undefined {
  const bytes = limit === undefined ? undefined : quantityBytes(limit);
  return bytes && bytes > 0 ? Math.floor(bytes * 0.8) : undefined;
}
