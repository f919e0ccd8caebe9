/**
 * A certificate Secret as a listener, an Ingress or a Gateway's backend client certificate uses it:
 * it exists, is of type kubernetes.io/tls, holds tls.crt and tls.key, and what they hold is sound
 * (certificate-inspection.ts). Likewise a CA reference (ConfigMap or Secret with `ca.crt`).
 */
import type { X509Certificate } from 'node:crypto';
import type { ResourceSet, Secret } from '@portico/resources';
import { inspectCABundle, inspectKeyPair, type CertificateProblem } from './certificate-inspection.js';
import { similarName } from './service-names.js';

const TLS_SECRET_TYPE = 'kubernetes.io/tls';

export function secretValue(secret: Secret | undefined, key: string): string | undefined {
  const plain = secret?.stringData?.[key];
  if (plain !== undefined) return plain;
  const encoded = secret?.data?.[key];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}

export function inspectTLSSecret(resources: ResourceSet, namespace: string, name: string, now: Date): { chain: X509Certificate[]; problems: CertificateProblem[] } {
  const display = `Secret ${namespace}/${name}`;
  const secret = resources.get('Secret', namespace, name);
  if (!secret) {
    const tlsSecrets = resources.listIn('Secret', namespace).filter((s) => s.type === TLS_SECRET_TYPE).map((s) => s.metadata.name);
    const guess = similarName(name, tlsSecrets);
    return {
      chain: [],
      problems: [
        {
          level: 'FAIL',
          code: 'SecretNotFound',
          message: `${display} does not exist`,
          fix: guess ? `did you mean Secret ${namespace}/${guess}? set name: ${guess}` : `create it: kubectl create secret tls ${name} -n ${namespace} --cert=server.crt --key=server.key (or a cert-manager Certificate with secretName: ${name})`,
        },
      ],
    };
  }
  const type = secret.type ?? 'Opaque';
  const chainPem = secretValue(secret, 'tls.crt');
  const keyPem = secretValue(secret, 'tls.key');
  const missing = [chainPem ? undefined : 'tls.crt', keyPem ? undefined : 'tls.key'].filter(Boolean);
  if (missing.length > 0) {
    return {
      chain: [],
      problems: [
        {
          level: 'FAIL',
          code: 'SecretKeysMissing',
          message: `${display} (type ${type}) has no ${missing.join(' and no ')}`,
          fix: `a certificate Secret is of type ${TLS_SECRET_TYPE} with the keys tls.crt (the PEM chain) and tls.key (the PEM private key): kubectl create secret tls ${name} -n ${namespace} --cert=server.crt --key=server.key`,
        },
      ],
    };
  }
  const problems: CertificateProblem[] = [];
  if (type !== TLS_SECRET_TYPE) {
    problems.push({
      level: 'WARN',
      code: 'SecretTypeNotTLS',
      message: `${display} is of type ${type}, not ${TLS_SECRET_TYPE}: Portico reads its tls.crt and tls.key anyway, but the Gateway API's core support is for ${TLS_SECRET_TYPE} Secrets (other implementations refuse this one) and the API server checks the keys only of that type`,
      fix: `recreate it as type ${TLS_SECRET_TYPE} (the type of a Secret cannot be changed): kubectl create secret tls ${name} -n ${namespace} --cert=… --key=…`,
    });
  }
  const inspection = inspectKeyPair(chainPem!, keyPem!, now, display);
  return { chain: inspection.chain, problems: [...problems, ...inspection.problems] };
}

/** A CA reference (`ca.crt` of a ConfigMap or Secret), as BackendTLSPolicy and frontend validation use it. */
export function inspectCARef(resources: ResourceSet, kind: string, namespace: string, name: string, now: Date): { bundle: X509Certificate[]; problems: CertificateProblem[] } {
  const display = `${kind} ${namespace}/${name}`;
  const object = kind === 'ConfigMap' ? resources.get('ConfigMap', namespace, name) : kind === 'Secret' ? resources.get('Secret', namespace, name) : undefined;
  if (kind !== 'ConfigMap' && kind !== 'Secret') {
    return { bundle: [], problems: [{ level: 'FAIL', code: 'CACertificateRefKind', message: `a CA reference of kind ${kind} is not supported`, fix: 'reference a ConfigMap (or Secret) with the key ca.crt' }] };
  }
  if (!object) {
    return {
      bundle: [],
      problems: [{ level: 'FAIL', code: 'CACertificateRefNotFound', message: `${display} does not exist`, fix: `create it: kubectl create ${kind === 'ConfigMap' ? 'configmap' : 'secret generic'} ${name} -n ${namespace} --from-file=ca.crt=ca.pem` }],
    };
  }
  const pem = object.kind === 'ConfigMap' ? object.data?.['ca.crt'] : secretValue(object, 'ca.crt');
  if (!pem) {
    const keys = Object.keys(object.data ?? {}).concat(object.kind === 'Secret' ? Object.keys(object.stringData ?? {}) : []);
    return {
      bundle: [],
      problems: [{ level: 'FAIL', code: 'CACertificateMissing', message: `${display} has no key ca.crt${keys.length ? ` (it has ${keys.sort().join(', ')})` : ''}`, fix: 'put the PEM certificate of the CA under the key ca.crt' }],
    };
  }
  return inspectCABundle(pem, now, display);
}
