/**
 * The SecurityIR of an Ingress's source-range and basic-auth annotations (annotations/security/source-ranges.ts,
 * annotations/security/basic-auth.ts): the IR a SecurityPolicy produces, so the same Envoy filters enforce it
 * (RBAC → 403, basic_auth → 401) and dumps redact the htpasswd the same way.
 *
 * The htpasswd comes from a Secret of the Ingress's namespace, as ingress-nginx stores it: key `auth`
 * holding the file (`auth-file`), or one key per user holding that user's hash (`auth-map`). Envoy's
 * basic_auth filter verifies `{SHA}` entries only (`htpasswd -s`); a bcrypt, MD5 (apr1) or crypt entry
 * cannot be checked, so the Ingress fails closed (500) with a message naming the line and its hash
 * type — never served unprotected, never with some users silently locked out.
 */
import type { SecurityIR } from '@portico/ir';
import type { Secret } from '@portico/resources';
import { decodeSecretValue } from '../gateways/secrets.js';
import { HTPASSWD_SHA_LINE } from '../policies/security-policy-features.js';
import type { IngressAnnotations } from './annotations/ingress-annotations.js';

/** ingress-nginx's data key of an `auth-file` Secret. */
export const INGRESS_NGINX_AUTH_KEY = 'auth';

export type IngressSecurity = { security?: SecurityIR } | { failClosed: { status: number; reason: string }; problem: string };

/** How a Secret is found: the translation's resources, or `portico convert`'s input objects. */
export type SecretLookup = (namespace: string, name: string) => Secret | undefined;

export function ingressSecurity(secretOf: SecretLookup, namespace: string, name: string, a: IngressAnnotations): IngressSecurity {
  if (!a.ipAccess && !a.basicAuth) return {};
  // Three segments: never the `namespace/name` key of a SecurityPolicy, so filter names cannot collide.
  const security: SecurityIR = { policy: `Ingress/${namespace}/${name}` };
  if (a.ipAccess) security.ipAccess = { ...a.ipAccess };
  if (a.basicAuth) {
    const { secret, secretType } = a.basicAuth;
    const htpasswd = htpasswdOf(secretOf(namespace, secret), secretType);
    if (typeof htpasswd !== 'string') {
      const problem = `auth-secret ${namespace}/${secret}: ${htpasswd.problem}: every path of this Ingress answers 500 rather than be served unprotected`;
      return { failClosed: { status: 500, reason: `auth-secret ${namespace}/${secret} cannot be used` }, problem };
    }
    security.basicAuth = { secret: `${namespace}/${secret}`, htpasswd };
  }
  return { security };
}

function htpasswdOf(secret: Secret | undefined, type: 'auth-file' | 'auth-map'): string | { problem: string } {
  if (!secret) return { problem: 'the Secret does not exist' };
  let lines: string[];
  if (type === 'auth-file') {
    const text = decodeSecretValue(secret, INGRESS_NGINX_AUTH_KEY);
    if (text === undefined) return { problem: `the Secret has no key ${INGRESS_NGINX_AUTH_KEY} (auth-file)` };
    lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  } else {
    const users = [...new Set([...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})])].sort();
    lines = users.map((user) => `${user}:${(decodeSecretValue(secret, user) ?? '').trim()}`);
  }
  if (lines.length === 0) {
    // From a cluster, only key `auth` of a Secret reaches Portico (provider/kubernetes/normalize-object.ts).
    const hint = type === 'auth-map' ? ` (auth-map: one key per user; Portico's Kubernetes provider keeps only key ${INGRESS_NGINX_AUTH_KEY} of a Secret, so on a cluster use auth-file)` : '';
    return { problem: `the Secret holds no user${hint}` };
  }
  const users = new Set<string>();
  for (const [i, line] of lines.entries()) {
    const match = HTPASSWD_SHA_LINE.exec(line);
    const where = type === 'auth-file' ? `line ${i + 1}` : `user ${JSON.stringify(line.slice(0, line.indexOf(':')))}`;
    if (!match) return { problem: `${where} is ${hashKind(line)}; Envoy's basic_auth verifies only {SHA} entries (htpasswd -s)` };
    if (users.has(match[1]!)) return { problem: `user ${JSON.stringify(match[1])} is listed twice` };
    users.add(match[1]!);
  }
  return lines.join('\n');
}

/** What kind of htpasswd entry `line` is, for the message (never the hash itself). */
function hashKind(line: string): string {
  const colon = line.indexOf(':');
  if (colon <= 0) return 'not a "user:hash" entry';
  const hash = line.slice(colon + 1);
  if (/^\$2[abxy]?\$/.test(hash)) return 'a bcrypt hash';
  if (hash.startsWith('$apr1$')) return 'an Apache MD5 (apr1) hash';
  if (/^\$[156]\$/.test(hash)) return 'a crypt(3) MD5/SHA-256/SHA-512 hash';
  if (hash.startsWith('{SHA}')) return 'a malformed {SHA} hash';
  return 'a crypt or plain-text entry';
}
