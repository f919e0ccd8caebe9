/**
 * A certificate Secret as a listener, an Ingress or a Gateway's backend client certificate uses it:
 * it exists, is of type kubernetes.io/tls, holds tls.crt and tls.key, and what they hold is sound
 * (certificate-inspection.ts). Likewise a CA reference (ConfigMap or Secret with `ca.crt`). When
 * Secrets carry no data (input.secretDataRedacted), their contents are judged from what the server
 * loaded (served-certificates.ts).
 */
import type { Secret } from '@portico/resources';
import type { DiagnoseInput } from '../../findings.js';
import { describeCertificate, dnsNames, inspectCABundle, inspectKeyPair, validityWindowProblems, type CertificateProblem } from './certificate-inspection.js';
import { describeServed, missingKeys, redactedKeys, servedCertificates, type CertificateSummary } from './served-certificates.js';
import { similarName } from '../backends/service-names.js';

export interface TLSSecretInspection {
  /** The leaf certificate, when its facts are known (absent when missing, unparsable, or not loaded by the server). */
  leaf?: CertificateSummary;
  problems: CertificateProblem[];
}

const TLS_SECRET_TYPE = 'kubernetes.io/tls';

export function secretValue(secret: Secret | undefined, key: string): string | undefined {
  const plain = secret?.stringData?.[key];
  if (plain !== undefined) return plain;
  const encoded = secret?.data?.[key];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}

export function inspectTLSSecret(input: DiagnoseInput, namespace: string, name: string): TLSSecretInspection {
  const { resources, now } = input;
  const display = `Secret ${namespace}/${name}`;
  const secret = resources.get('Secret', namespace, name);
  if (!secret) {
    const tlsSecrets = resources.listIn('Secret', namespace).filter((s) => s.type === TLS_SECRET_TYPE).map((s) => s.metadata.name);
    const guess = similarName(name, tlsSecrets);
    return {
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
  const missing = input.secretDataRedacted ? missingKeys(secret, ['tls.crt', 'tls.key']) : [chainPem ? undefined : 'tls.crt', keyPem ? undefined : 'tls.key'].filter(Boolean);
  if (missing.length > 0) {
    return {
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
  if (input.secretDataRedacted) {
    const served = servedInspection(input, `${namespace}/${name}`, display);
    return { ...served, problems: [...problems, ...served.problems] };
  }
  const inspection = inspectKeyPair(chainPem!, keyPem!, now, display);
  const leaf = inspection.chain[0];
  return { ...(leaf ? { leaf: { description: describeCertificate(leaf), dnsNames: dnsNames(leaf) } } : {}), problems: [...problems, ...inspection.problems] };
}

/**
 * A redacted Secret: the facts the server kept when it loaded the certificate (parsed, key fitted),
 * judged for expiry. A certificate the server did not load yields nothing here: the translator
 * refused it, and the listener's ResolvedRefs condition (the Listener link) says why.
 */
function servedInspection(input: DiagnoseInput, secretKey: string, display: string): TLSSecretInspection {
  const served = servedCertificates(input).get(secretKey);
  if (!served) return { problems: [] };
  const description = describeServed(served);
  return {
    leaf: { description, dnsNames: served.dnsNames },
    problems: validityWindowProblems({ description, notAfter: new Date(served.notAfter) }, input.now, `${display}:`),
  };
}

/** A CA reference (`ca.crt` of a ConfigMap or Secret), as BackendTLSPolicy and frontend validation use it. */
export function inspectCARef(input: DiagnoseInput, kind: string, namespace: string, name: string): { certificates: string[]; problems: CertificateProblem[] } {
  const { resources, now } = input;
  const display = `${kind} ${namespace}/${name}`;
  const object = kind === 'ConfigMap' ? resources.get('ConfigMap', namespace, name) : kind === 'Secret' ? resources.get('Secret', namespace, name) : undefined;
  if (kind !== 'ConfigMap' && kind !== 'Secret') {
    return { certificates: [], problems: [{ level: 'FAIL', code: 'CACertificateRefKind', message: `a CA reference of kind ${kind} is not supported`, fix: 'reference a ConfigMap (or Secret) with the key ca.crt' }] };
  }
  if (!object) {
    return {
      certificates: [],
      problems: [{ level: 'FAIL', code: 'CACertificateRefNotFound', message: `${display} does not exist`, fix: `create it: kubectl create ${kind === 'ConfigMap' ? 'configmap' : 'secret generic'} ${name} -n ${namespace} --from-file=ca.crt=ca.pem` }],
    };
  }
  // ConfigMaps are not redacted: only a Secret's CA bundle is out of sight.
  if (object.kind === 'Secret' && input.secretDataRedacted) {
    if (missingKeys(object, ['ca.crt']).length > 0) return { certificates: [], problems: [caMissing(display, redactedKeys(object) ?? [])] };
    return { certificates: [`ca.crt of ${display} (its contents are not shown by the server)`], problems: [] };
  }
  const pem = object.kind === 'ConfigMap' ? object.data?.['ca.crt'] : secretValue(object, 'ca.crt');
  if (!pem) {
    const keys = Object.keys(object.data ?? {}).concat(object.kind === 'Secret' ? Object.keys(object.stringData ?? {}) : []);
    return { certificates: [], problems: [caMissing(display, keys)] };
  }
  const inspection = inspectCABundle(pem, now, display);
  return { certificates: inspection.bundle.map(describeCertificate), problems: inspection.problems };
}

function caMissing(display: string, keys: readonly string[]): CertificateProblem {
  return { level: 'FAIL', code: 'CACertificateMissing', message: `${display} has no key ca.crt${keys.length ? ` (it has ${[...keys].sort().join(', ')})` : ''}`, fix: 'put the PEM certificate of the CA under the key ca.crt' };
}
