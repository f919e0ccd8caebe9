/**
 * `portico translate` never prints a SecurityPolicy's credentials: the htpasswd hashes and API keys
 * read from Secrets are `[redacted]` in `--to ir` and `--to xds` (JSON and YAML), while the policy's
 * shape (users' Secret, client ids, key sources) stays readable.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIO } from '../../cli-io.js';
import { main } from '../../main.js';

const HASH = `{SHA}${createHash('sha1').update('s3cret-password').digest('base64')}`;
const API_KEY = 'api-key-5e1f0c77';

const INPUT = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: portico }
spec: { controllerName: portico.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: default }
spec:
  gatewayClassName: portico
  listeners:
  - { name: http, port: 80, protocol: HTTP }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: default }
spec:
  parentRefs: [{ name: gw }]
  rules:
  - name: basic
    matches: [{ path: { type: PathPrefix, value: /basic } }]
    backendRefs: [{ name: web, port: 80 }]
  - name: keys
    matches: [{ path: { type: PathPrefix, value: /keys } }]
    backendRefs: [{ name: web, port: 80 }]
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec:
  ports: [{ name: http, port: 80 }]
---
apiVersion: v1
kind: Secret
metadata: { name: users, namespace: default }
stringData:
  .htpasswd: "alice:${HASH}"
---
apiVersion: v1
kind: Secret
metadata: { name: keys, namespace: default }
type: gateway.portico.dev/api-keys
stringData:
  team-a: ${API_KEY}
---
apiVersion: gateway.portico.dev/v1alpha1
kind: SecurityPolicy
metadata: { name: basic, namespace: default }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: web, sectionName: basic }]
  basicAuth: { users: { name: users } }
---
apiVersion: gateway.portico.dev/v1alpha1
kind: SecurityPolicy
metadata: { name: keys, namespace: default }
spec:
  targetRefs: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: web, sectionName: keys }]
  apiKeyAuth: { credentialRefs: [{ name: keys }] }
`;

let dir: string;
let inputFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portico-cli-security-'));
  inputFile = join(dir, 'input.yaml');
  writeFileSync(inputFile, INPUT);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function translateTo(to: string, output: string): Promise<string> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    readStdin: () => Promise.reject(new Error('stdin not expected')),
  };
  const code = await main(['translate', '-f', inputFile, '--to', to, '-o', output], io);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return stdout;
}

describe('portico translate and SecurityPolicy credentials', () => {
  it.each([
    ['ir', 'yaml'],
    ['ir', 'json'],
    ['xds', 'yaml'],
    ['xds', 'json'],
  ])('--to %s -o %s shows the policies with their credentials redacted', async (to, output) => {
    const text = await translateTo(to, output);
    expect(text).not.toContain(HASH);
    expect(text).not.toContain(HASH.slice(5, 20));
    expect(text).not.toContain(API_KEY);
    expect(text).toContain('[redacted]');
    expect(text).toContain('team-a');
  });
});
