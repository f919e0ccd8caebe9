/** The test certificates of testdata/diagnose/certs (README.md there: their dates and names). */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../testdata/diagnose/certs');

export function testPem(file: string): string {
  return readFileSync(resolve(DIR, file), 'utf8');
}

/** A Secret document with stringData, indented for YAML. */
export function tlsSecretYaml(name: string, crtFiles: readonly string[], keyFile: string, type = 'kubernetes.io/tls', namespace = 'default'): string {
  const block = (text: string) => text.trimEnd().split('\n').map((l) => `    ${l}`).join('\n');
  return `---
apiVersion: v1
kind: Secret
metadata: { name: ${name}, namespace: ${namespace} }
type: ${type}
stringData:
  tls.crt: |
${block(crtFiles.map(testPem).join(''))}
  tls.key: |
${block(testPem(keyFile))}
`;
}

export function caConfigMapYaml(name: string, file: string, namespace = 'default'): string {
  return `---
apiVersion: v1
kind: ConfigMap
metadata: { name: ${name}, namespace: ${namespace} }
data:
  ca.crt: |
${testPem(file).trimEnd().split('\n').map((l) => `    ${l}`).join('\n')}
`;
}
