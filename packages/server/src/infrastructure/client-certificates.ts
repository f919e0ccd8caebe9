/**
 * Each Gateway's xDS client certificate, for the infrastructure manager: issued from certgen's CA
 * (read from its CA key Secret) with the Gateway's identity, `spiffe://<trust domain>/ns/<ns>/gateway/<name>`,
 * so that its Envoys may claim that gateway and no other (the xDS server checks). A stored certificate
 * is kept while it is good (certgen's rules: signed by the current CA, this identity, not within 30
 * days of expiry): a pass that changes nothing issues nothing, writes nothing and restarts no Envoy.
 *
 * The CA is read on the first pass and at each resync; a read that fails keeps the CA already known
 * (a new Gateway still gets a certificate), and without any CA no Gateway can be given one.
 */
import { X509Certificate } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubernetesLogger } from '@portico/provider';
import { DEFAULT_TRUST_DOMAIN, gatewayIdentityUriOf } from '@portico/xds-server';
import { identityCertificateProblem } from '../certgen/identity-certificates.js';
import { issueClientCertificateAsync, type CertificateAndKey } from '../certgen/issue-certificates.js';
import { DEFAULT_RENEW_BEFORE_DAYS, type LeafMaterial } from '../certgen/renewal-plan.js';
import { clientMaterialOf } from './envoy-client-secret.js';
import type { EnvoyClientCertificateOptions } from './infrastructure-options.js';

const DAY_MS = 86_400_000;

export interface ClientCertificates {
  /** Reads the CA Secret when none is known yet, or always with `refresh` (a resync). False: no CA to issue with. */
  loadAuthority(refresh: boolean): Promise<boolean>;
  /** A stored Secret of a Gateway (listed or just applied): kept while it is good. */
  remember(gatewayKey: string, secret: KubernetesObject): void;
  /** Forgets the Gateways not in `keys`. */
  retain(keys: ReadonlySet<string>): void;
  /**
   * Makes sure each Gateway has a good certificate: keeps the stored one, or issues one (keys are
   * generated off the event loop, one at a time). A Gateway that cannot get one is left without.
   */
  prepare(gatewayKeys: Iterable<string>): Promise<void>;
  /** The Gateway's certificate as `prepare` left it. Throws when it has none (no CA, a bad key). */
  certificateFor(gatewayKey: string): LeafMaterial;
}

export interface ClientCertificatesOptions {
  options: EnvoyClientCertificateOptions;
  /** GET of a Secret; undefined when it does not exist. */
  fetchSecret(namespace: string, name: string): Promise<KubernetesObject | undefined>;
  logger: KubernetesLogger;
  now?: () => Date;
}

export function createClientCertificates(config: ClientCertificatesOptions): ClientCertificates {
  const { options, logger } = config;
  const now = config.now ?? (() => new Date());
  const trustDomain = options.trustDomain ?? DEFAULT_TRUST_DOMAIN;
  const renewBeforeDays = options.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS;
  const where = `${options.caSecret.namespace}/${options.caSecret.name}`;
  let authority: CertificateAndKey | undefined;
  const stored = new Map<string, Partial<LeafMaterial>>();
  /** Certificates already checked against this CA: until when they may be kept without a new check. */
  const checked = new Map<string, { cert: string; ca: string; keepUntil: number }>();

  /** The stored certificate was checked against the current CA, and is not due for renewal yet. */
  const good = (gatewayKey: string): boolean => {
    const memo = checked.get(gatewayKey);
    const current = stored.get(gatewayKey);
    return memo !== undefined && current?.cert === memo.cert && current.key !== undefined && memo.ca === authority?.cert && now().getTime() < memo.keepUntil;
  };

  return {
    async loadAuthority(refresh) {
      if (authority && !refresh) return true;
      try {
        const material = clientMaterialOf(await config.fetchSecret(options.caSecret.namespace, options.caSecret.name));
        if (!material?.cert || !material.key) throw new Error(`Secret ${where} is missing or has no tls.crt and tls.key (run portico certgen)`);
        new X509Certificate(material.cert); // unreadable: fail here, with a message, not per Gateway
        if (authority?.cert !== material.cert) logger.info('xDS CA loaded for the Envoy client certificates', { secret: where });
        authority = { cert: material.cert, key: material.key };
      } catch (error) {
        // Never the Secret's content: only what went wrong, and where.
        logger.error('cannot read the xDS CA: Envoy client certificates cannot be issued', { secret: where, error: String((error as Error).message ?? error) });
      }
      return authority !== undefined;
    },
    remember(gatewayKey, secret) {
      const material = clientMaterialOf(secret);
      if (material) stored.set(gatewayKey, material);
    },
    retain(keys) {
      for (const key of [...stored.keys()]) if (!keys.has(key)) stored.delete(key);
      for (const key of [...checked.keys()]) if (!keys.has(key)) checked.delete(key);
    },
    async prepare(gatewayKeys) {
      for (const gatewayKey of gatewayKeys) {
        if (!authority || good(gatewayKey)) continue;
        const identityUri = gatewayIdentityUriOf(trustDomain, gatewayKey);
        if (!identityUri) continue;
        const at = now();
        const current = stored.get(gatewayKey);
        const problem = identityCertificateProblem(current, authority, { identityUri, now: at, renewBeforeDays });
        let certificate: LeafMaterial;
        if (problem === undefined) {
          certificate = { cert: current!.cert!, key: current!.key!, ca: authority.cert };
        } else {
          const ca = authority;
          certificate = { ...(await issueClientCertificateAsync(ca, { now: at, identityUri })), ca: ca.cert };
          logger.info('issued an xDS client certificate', { gateway: gatewayKey, identity: identityUri, reason: problem });
        }
        stored.set(gatewayKey, certificate);
        const notAfter = Date.parse(new X509Certificate(certificate.cert).validTo);
        checked.set(gatewayKey, { cert: certificate.cert, ca: certificate.ca, keepUntil: notAfter - renewBeforeDays * DAY_MS });
      }
    },
    certificateFor(gatewayKey) {
      if (!authority) throw new Error(`no xDS CA (Secret ${where}) to issue the client certificate of gateway ${gatewayKey}`);
      if (!good(gatewayKey)) throw new Error(`no xDS client certificate for gateway ${gatewayKey} (its key is not namespace/name)`);
      const current = stored.get(gatewayKey)!;
      return { cert: current.cert!, key: current.key!, ca: authority.cert };
    },
  };
}
