/**
 * The redacted config dumps of encoded resources as they were published in process (their JSON is
 * the builder's own): what DebugData `servedConfigDumps` answers when translation runs in process.
 */
import { redactedConfigDump, type EncodedResources } from '@portico/xds';

export function servedConfigDumps(served: ReadonlyMap<string, EncodedResources>, gateways?: readonly string[]): Map<string, unknown> {
  const keys = (gateways ?? [...served.keys()]).filter((g) => served.has(g)).sort();
  return new Map(keys.map((gateway) => [gateway, redactedConfigDump(served.get(gateway)!)]));
}
