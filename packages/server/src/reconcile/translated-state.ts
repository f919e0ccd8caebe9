/**
 * The last snapshot that translated, as the debug endpoints, the dashboard and the cluster
 * controller read it. Everything but the IR is here at once; the IR is asked for (`ir`), since on
 * the translation worker it stays on the worker thread and crosses only on request.
 */
import type { GatewayIR } from '@portico/ir';
import type { KubeObject } from '@portico/resources';
import type { TranslationResult } from '@portico/translator';
import type { GatewayListenerPorts } from '../infrastructure/envoy-service.js';

/** The gateway keys of a translation: the in-process result's IR map, or the worker's list of keys. */
export interface GatewayKeys {
  has(gateway: string): boolean;
  keys(): IterableIterator<string>;
  readonly size: number;
}

/** A TranslationResult without its IR: statuses, diagnostics, failures, and which gateways it has. */
export type TranslationSummary = Omit<TranslationResult, 'gateways'> & { readonly gateways: GatewayKeys };

export interface TranslatedState {
  generation: number;
  objects: KubeObject[];
  result: TranslationSummary;
  /** ISO time of the translation. */
  translatedAt: string;
  /**
   * The IR of this translation's gateways (only `gateways` when given; an unknown key is left out).
   * Rejects when the IR is no longer held (a worker that restarted since).
   */
  ir(gateways?: readonly string[]): Promise<ReadonlyMap<string, GatewayIR>>;
  /**
   * Per gateway, its listeners' types and ports: what the Envoy Services of `--kubernetes` need,
   * without asking for the IR (on the worker path, a 10,000-route IR would cross for every edit).
   * Absent: read them from `ir()`.
   */
  listenerPorts?: ReadonlyMap<string, GatewayListenerPorts>;
}

/** The whole TranslationResult of a state, its IR fetched. */
export async function withIR(state: TranslatedState): Promise<TranslationResult> {
  return { ...state.result, gateways: new Map(await state.ir()) };
}

/** The `ir` of an in-process translation: its result holds the IR already. */
export function irOfResult(gatewaysIR: ReadonlyMap<string, GatewayIR>): TranslatedState['ir'] {
  return (gateways) => Promise.resolve(gateways === undefined ? gatewaysIR : new Map(gateways.flatMap((g) => (gatewaysIR.has(g) ? [[g, gatewaysIR.get(g)!] as const] : []))));
}

/**
 * A summary as `applyStatuses` takes it: that function reads only the statuses, so the IR map is
 * left empty rather than fetched.
 */
export function statusesOf(result: TranslationSummary): TranslationResult {
  return { ...result, gateways: new Map() };
}
