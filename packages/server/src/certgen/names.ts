/**
 * What `portico certgen` names: the Secrets it keeps (the chart and the infrastructure manager mount
 * them by these names), the local file names, and the DNS names the xDS server certificate must carry
 * so that Envoys can reach Portico's Service by any of its cluster names.
 */
import { isIP } from 'node:net';

/** The CA certificate only: public, safe to copy to other namespaces or hand to other tools. */
export const CA_SECRET = 'portico-xds-ca';
/**
 * The CA's certificate and private key, read only by certgen itself: with it a leaf is renewed under
 * the same CA, so Envoys and Portico keep trusting each other across a renewal. Never mounted.
 */
export const CA_KEY_SECRET = 'portico-xds-ca-key';
/** Portico's xDS server certificate, key and the CA (serve --xds-tls-cert/key/ca). */
export const SERVER_SECRET = 'portico-xds-server';
/** The Envoys' client certificate, key and the CA (mounted by the infrastructure manager). */
export const CLIENT_SECRET = 'portico-envoy-client';

export const DEFAULT_SERVICE_NAME = 'portico';
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/** The file names of `portico certgen --local DIR`. */
export const LOCAL_FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  serverCert: 'server.crt',
  serverKey: 'server.key',
  clientCert: 'client.crt',
  clientKey: 'client.key',
} as const;

export interface ServerNameOptions {
  /** Portico's xDS Service (default `portico`). */
  service?: string;
  /** Its namespace; without one only the bare Service name is used (local runs, docker-compose). */
  namespace?: string;
  clusterDomain?: string;
  /** Further DNS names or IP addresses. */
  extraNames?: readonly string[];
}

/** Subject alternative names of the xDS server certificate, split into DNS names and IP addresses. */
export interface ServerNames {
  dnsNames: string[];
  ipAddresses: string[];
}

/**
 * `<svc>`, `<svc>.<ns>`, `<svc>.<ns>.svc`, `<svc>.<ns>.svc.<domain>` — every way a pod's resolver
 * (search path `<ns>.svc.<domain>`) completes the Service name — then the extras, without duplicates,
 * in that order (the certificate's SAN list is stable from one run to the next).
 */
export function serverNames(options: ServerNameOptions = {}): ServerNames {
  const service = options.service ?? DEFAULT_SERVICE_NAME;
  const domain = options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  const { namespace } = options;
  const names = namespace ? [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.${domain}`] : [service];
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const name of [...names, ...(options.extraNames ?? [])]) {
    const list = isIP(name) ? ipAddresses : dnsNames;
    if (!list.includes(name)) list.push(name);
  }
  return { dnsNames, ipAddresses };
}
