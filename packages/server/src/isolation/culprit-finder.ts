/**
 * Which units (route-units.ts) made an Envoy refuse a route table. Two steps, cheapest first:
 * 1. Envoy's error text usually quotes the value it refused (`Invalid regex 'a{1001}'`, an invalid
 *    header name …): the units holding the longest quoted value are the suspects.
 * 2. Adaptive group testing (bisection) with probes: a probe serves the refusing Envoy the table it
 *    runs plus some changed units, and the Envoy ACKs or NACKs it. A set that ACKs is good (and is
 *    kept in every later probe); a set that NACKs is halved until single culprits remain. When the
 *    first half of a refused set ACKs, the second half is known to be refused without a probe.
 *    Suspects are tried as one half: when the rest ACKs, one probe proves a single suspect guilty.
 * Probes are bounded: once `maxProbes` are spent, the sets not narrowed down yet are `undecided`,
 * never culprits (a rule is quarantined only when a probe proved it). The caller quarantines what
 * was proven; if the table is still refused, the next NACK starts another search over what is left,
 * from the last probe the client ACKed. A budget above ⌈log2 N⌉ always proves one culprit, so every
 * search makes progress.
 */

export type ProbeVerdict = 'ack' | 'nack';

export interface CulpritSearch {
  /** The changed units, in table order; all of them together are known to be refused. */
  candidates: readonly string[];
  /** Units the error text points at (suspectsFromErrorText); tried first. */
  suspects?: readonly string[];
  /**
   * Serves the refusing client its last good table plus these units (every unit found good so far
   * is among them) and resolves with its answer. Rejects when no answer can be had; the search then
   * rejects too.
   */
  probe(units: readonly string[]): Promise<ProbeVerdict>;
  maxProbes: number;
}

export interface CulpritSearchResult {
  culprits: string[];
  /** Units shown good: served in the last probe that the client ACKed. */
  good: string[];
  probes: number;
  /** The probe budget ran out: `undecided` holds what was neither shown good nor proven guilty. */
  exhausted: boolean;
  undecided: string[];
}

export async function findCulprits(search: CulpritSearch): Promise<CulpritSearchResult> {
  const good: string[] = [];
  const culprits: string[] = [];
  const undecided: string[] = [];
  let probes = 0;
  let exhausted = false;

  const accepted = async (units: readonly string[]): Promise<boolean> => {
    probes += 1;
    const verdict = await search.probe([...good, ...units]);
    if (verdict === 'ack') good.push(...units);
    return verdict === 'ack';
  };

  /** Finds the culprits in `set`; `refused`: the set (with the good units) is known to be refused. */
  async function narrow(set: readonly string[], refused: boolean): Promise<void> {
    if (set.length === 0) return;
    if (probes >= search.maxProbes && (set.length > 1 || !refused)) {
      exhausted = true;
      undecided.push(...set);
      return;
    }
    if (!refused && (await accepted(set))) return;
    if (set.length === 1) {
      culprits.push(set[0]!);
      return;
    }
    const half = Math.ceil(set.length / 2);
    await split(set.slice(0, half), set.slice(half));
  }

  /** `first` ∪ `second` is refused: when `first` holds no culprit, `second` must. */
  async function split(first: readonly string[], second: readonly string[]): Promise<void> {
    const before = culprits.length;
    await narrow(first, false);
    await narrow(second, culprits.length === before);
  }

  const suspects = new Set(search.suspects ?? []);
  const named = search.candidates.filter((unit) => suspects.has(unit));
  if (named.length > 0 && named.length < search.candidates.length) {
    await split(search.candidates.filter((unit) => !suspects.has(unit)), named);
  } else {
    await narrow(search.candidates, true);
  }
  return { culprits, good, probes, exhausted, undecided };
}

/** Quoted values or words shorter than this say too little to point at a unit (`/`, `GET`). */
const MIN_QUOTED_LENGTH = 4;

/**
 * The units whose values (route-units.ts unitValues) Envoy's error text quotes, whole or in part
 * (RE2 says `invalid repetition size: {1001}` of the regex `a{1001}`): those with the longest match.
 * Empty when nothing matches, or when every unit matches (no information). Only an order for the
 * search: a suspect is quarantined only when a probe proves it.
 */
export function suspectsFromErrorText(message: string, valuesByUnit: ReadonlyMap<string, readonly string[]>): string[] {
  const words = [...new Set(message.split(/[\s'"`,;()\[\]]+/).map((w) => w.replace(/[:.]+$/, '')).filter((w) => w.length >= MIN_QUOTED_LENGTH))];
  const score = (value: string): number => {
    if (value.length >= MIN_QUOTED_LENGTH && message.includes(value)) return value.length;
    return Math.max(0, ...words.filter((w) => value.includes(w)).map((w) => w.length));
  };
  let best = 0;
  let suspects: string[] = [];
  for (const [unit, values] of valuesByUnit) {
    const longest = Math.max(0, ...values.map(score));
    if (longest === 0 || longest < best) continue;
    if (longest > best) [best, suspects] = [longest, []];
    suspects.push(unit);
  }
  return suspects.length < valuesByUnit.size ? suspects : [];
}

/** The most probes a search over `n` candidates with `culprits` culprits needs (at most two per level per culprit). */
export function probeBudget(n: number, culprits = 2): number {
  return 1 + 2 * culprits * Math.max(1, Math.ceil(Math.log2(Math.max(2, n))));
}
