/**
 * The data-plane part of a live DiagnoseInput (`portico diagnose --admin URL`): a running server's
 * `/debug/clients` turned into `clients`, `servedVersions` and `quarantined`. Every client is read,
 * whatever gateway it names (one naming a gateway that does not exist is a finding too); the report's
 * `--gateway` filter narrows afterwards. A server older than the `gateways` field of /debug/clients
 * gives no served versions: the checks then judge each Envoy against what it was sent.
 */
import type { ClientInfo } from '@portico/xds-server';
import type { DiagnoseInput, QuarantinedRoute } from './findings.js';

export type DataPlaneInput = Required<Pick<DiagnoseInput, 'clients' | 'servedVersions' | 'quarantined'>>;

/** What /debug/clients answers (the fields read). */
interface ClientsDocument {
  clients?: ClientInfo[];
  quarantined?: QuarantinedRoute[];
  gateways?: Record<string, { servedVersion?: string }>;
}

export async function fetchDataPlaneInput(adminUrl: string, fetchImpl: typeof fetch = fetch): Promise<DataPlaneInput> {
  const url = new URL('/debug/clients', adminUrl);
  const response = await fetchImpl(url);
  if (response.status !== 200) throw new Error(`${url.href} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  return dataPlaneInputOf((await response.json()) as ClientsDocument);
}

/** The DiagnoseInput fields of a /debug/clients document (JSON, parsed). */
export function dataPlaneInputOf(document: ClientsDocument): DataPlaneInput {
  const servedVersions = new Map<string, string>();
  for (const [gateway, view] of Object.entries(document.gateways ?? {})) if (view.servedVersion) servedVersions.set(gateway, view.servedVersion);
  return { clients: document.clients ?? [], servedVersions, quarantined: document.quarantined ?? [] };
}
