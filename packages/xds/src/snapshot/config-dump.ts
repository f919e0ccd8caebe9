/** One gateway's xDS as Envoy's `/config_dump` would show it, for `--to xds`, `/debug/xds` and goldens. */
import type { ConfigDumpSections } from '@portico/envoy';
import type { GatewayIR } from '@portico/ir';
import { buildXds } from '../build-xds.js';
import { consistencyProblems } from './consistency.js';
import { encodeResources, redactedConfigDump } from './versions.js';

export interface GatewayConfigDump {
  dump: ConfigDumpSections;
  /** Consistency problems (a bug if ever non-empty: Envoy would wait for what never comes). */
  problems: string[];
}

export function gatewayConfigDump(gateway: GatewayIR): GatewayConfigDump {
  const resources = buildXds(gateway);
  return { dump: redactedConfigDump(encodeResources(resources)), problems: consistencyProblems(resources) };
}
