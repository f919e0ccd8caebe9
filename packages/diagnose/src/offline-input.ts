/**
 * The DiagnoseInput of objects read from files (`portico diagnose -f`/`--resources`, the golden tests):
 * translated here, and each gateway's xDS built as `portico translate --to xds` prints it. No proxies
 * are connected offline, so data-plane checks have nothing to judge.
 */
import { ResourceSet, type Resource } from '@portico/resources';
import { DEFAULT_CONTROLLER_NAME, translate, type TranslateOptions } from '@portico/translator';
import { gatewayConfigDump } from '@portico/xds';
import type { DiagnoseInput } from './findings.js';

export function offlineInput(objects: readonly Resource[], now: Date, options: TranslateOptions = {}): DiagnoseInput {
  const resources = ResourceSet.from(objects);
  const translation = translate(resources, { ...options, now });
  const xds = new Map<string, unknown>();
  for (const [gateway, ir] of translation.gateways) xds.set(gateway, gatewayConfigDump(ir).dump);
  return { resources, translation, xds, now, controllerName: options.controllerName ?? DEFAULT_CONTROLLER_NAME };
}
