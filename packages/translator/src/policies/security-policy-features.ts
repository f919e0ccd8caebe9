/**
 * A SecurityPolicy's spec → the SecurityIR its targets enforce: CIDR lists, the htpasswd file of a
 * Secret, the API keys of Secrets, JWT providers with their JWKS. Every problem is collected as a
 * precise message (the policy then fails closed for its targets, security-policy.ts); nothing here
 * throws on user input.
 */
import { isIP } from 'node:net';
import type { APIKeyAuthIR, BasicAuthIR, JWTProviderIR, SecurityIR } from '@portico/ir';
import { API_KEYS_SECRET_TYPE, HTPASSWD_KEY, JWKS_KEY, PORTICO_GROUP, type APIKeyAuth, type BasicAuth, type IPAccess, type JWTProvider, type SecurityPolicy } from '@portico/resources';
import { resolveBackendRef } from '../backends/backends.js';
import type { TranslationContext } from '../context.js';
import { decodeSecretValue } from '../gateways/secrets.js';
import { parseDuration } from '../routes/durations.js';

/** The CRD's defaults, for objects not defaulted by a loader. */
const DEFAULT_API_KEY_HEADER = 'x-api-key';
const DEFAULT_JWKS_CACHE_MS = 300_000;

/** Envoy's basic_auth filter verifies SHA-1 entries only (`htpasswd -s`): `user:{SHA}<28 base64 chars>`. */
export const HTPASSWD_SHA_LINE = /^([^:\s]+):\{SHA\}[A-Za-z0-9+/]{27}=$/;
/** JWK members that carry private or symmetric key material (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

export function securityIR(ctx: TranslationContext, policy: SecurityPolicy, key: string, problems: string[]): SecurityIR {
  const namespace = policy.metadata.namespace ?? 'default';
  const spec = policy.spec;
  const ir: SecurityIR = { policy: key };
  if (spec.ipAccess) ir.ipAccess = ipAccess(spec.ipAccess, problems);
  if (spec.basicAuth) {
    const basic = basicAuth(ctx, namespace, spec.basicAuth, problems);
    if (basic) ir.basicAuth = basic;
  }
  if (spec.apiKeyAuth) {
    const apiKeys = apiKeyAuth(ctx, namespace, spec.apiKeyAuth, problems);
    if (apiKeys) ir.apiKeyAuth = apiKeys;
  }
  if (spec.jwt) {
    const providers = (spec.jwt.providers ?? []).map((p) => jwtProvider(ctx, namespace, key, p, problems));
    if (providers.every((p) => p !== undefined)) ir.jwt = { providers: providers as JWTProviderIR[] };
  }
  return ir;
}

function ipAccess(access: IPAccess, problems: string[]): SecurityIR['ipAccess'] {
  const out: NonNullable<SecurityIR['ipAccess']> = {};
  for (const list of ['allow', 'deny'] as const) {
    const cidrs = access[list] ?? [];
    for (const cidr of cidrs) if (!isCIDR(cidr)) problems.push(`ipAccess.${list}: ${JSON.stringify(cidr)} is not a CIDR`);
    if (cidrs.length > 0) out[list] = [...cidrs];
  }
  if (!out.allow && !out.deny) problems.push('ipAccess needs allow or deny entries');
  return out;
}

function isCIDR(text: string): boolean {
  const slash = text.indexOf('/');
  if (slash < 0) return false;
  const family = isIP(text.slice(0, slash));
  const bits = text.slice(slash + 1);
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

function basicAuth(ctx: TranslationContext, namespace: string, basic: BasicAuth, problems: string[]): BasicAuthIR | undefined {
  const name = basic.users?.name;
  const dataKey = HTPASSWD_KEY;
  const text = secretValue(ctx, namespace, name, dataKey, 'basicAuth.users', problems);
  if (text === undefined) return undefined;
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const users = new Set<string>();
  lines.forEach((line, i) => {
    const match = HTPASSWD_SHA_LINE.exec(line);
    if (!match) problems.push(`basicAuth.users: Secret ${namespace}/${name} key ${dataKey} line ${i + 1} is not a "user:{SHA}<base64>" htpasswd entry (htpasswd -s)`);
    else if (users.has(match[1]!)) problems.push(`basicAuth.users: user ${JSON.stringify(match[1])} is listed twice`);
    else users.add(match[1]!);
  });
  if (lines.length === 0) problems.push(`basicAuth.users: Secret ${namespace}/${name} key ${dataKey} holds no user`);
  return {
    secret: `${namespace}/${name}`,
    htpasswd: lines.join('\n'),
    ...(basic.forwardUsernameHeader ? { forwardUsernameHeader: basic.forwardUsernameHeader } : {}),
  };
}

function apiKeyAuth(ctx: TranslationContext, namespace: string, auth: APIKeyAuth, problems: string[]): APIKeyAuthIR | undefined {
  const clients = new Map<string, string>();
  const keys = new Set<string>();
  const secrets: string[] = [];
  for (const ref of auth.credentialRefs ?? []) {
    const secret = ctx.resources.get('Secret', namespace, ref.name);
    secrets.push(`${namespace}/${ref.name}`);
    if (!secret) {
      problems.push(`apiKeyAuth.credentialRefs: Secret ${namespace}/${ref.name} does not exist`);
      continue;
    }
    // Only a Secret that says it holds API keys is read whole (the Kubernetes provider keeps every key
    // of those alone): a reference cannot turn an unrelated Secret's values into credentials.
    if (secret.type !== API_KEYS_SECRET_TYPE) {
      problems.push(`apiKeyAuth.credentialRefs: Secret ${namespace}/${ref.name} must be of type ${API_KEYS_SECRET_TYPE} (it is ${JSON.stringify(secret.type ?? 'Opaque')})`);
      continue;
    }
    const ids = [...new Set([...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})])];
    if (ids.length === 0) problems.push(`apiKeyAuth.credentialRefs: Secret ${namespace}/${ref.name} holds no API key`);
    for (const client of ids) {
      // A trailing newline is an accident of `echo > file`, never part of a key.
      const apiKey = (decodeSecretValue(secret, client) ?? '').replace(/\r?\n$/, '');
      if (apiKey === '') problems.push(`apiKeyAuth: client ${JSON.stringify(client)} in Secret ${namespace}/${ref.name} has an empty key`);
      else if (clients.has(client)) problems.push(`apiKeyAuth: client ${JSON.stringify(client)} is defined twice`);
      else if (keys.has(apiKey)) problems.push(`apiKeyAuth: client ${JSON.stringify(client)} in Secret ${namespace}/${ref.name} reuses another client's key`);
      else {
        clients.set(client, apiKey);
        keys.add(apiKey);
      }
    }
  }
  const sources = (auth.extractFrom?.length ? auth.extractFrom : [{ header: DEFAULT_API_KEY_HEADER }]).map((s) =>
    s.header !== undefined ? { header: s.header.toLowerCase() } : { queryParam: s.queryParam ?? '' },
  );
  return {
    secrets,
    clients: [...clients].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([client, apiKey]) => ({ client, apiKey })),
    sources,
    ...(auth.forwardClientIDHeader ? { forwardClientIDHeader: auth.forwardClientIDHeader } : {}),
    hideCredentials: auth.hideCredentials ?? false,
  };
}

function jwtProvider(ctx: TranslationContext, namespace: string, policyKey: string, p: JWTProvider, problems: string[]): JWTProviderIR | undefined {
  const where = `jwt.providers[${p.name}]`;
  const base: JWTProviderIR = {
    name: `${policyKey}/${p.name}`,
    ...(p.issuer ? { issuer: p.issuer } : {}),
    ...(p.audiences?.length ? { audiences: [...p.audiences] } : {}),
    ...(p.claimToHeaders?.length ? { claimToHeaders: p.claimToHeaders.map((c) => ({ claim: c.claim, header: c.header })) } : {}),
    forwardToken: p.forwardToken ?? false,
  };
  if (p.localJWKS && !p.remoteJWKS) {
    const text = localJWKS(ctx, namespace, p.localJWKS, where, problems);
    return text === undefined ? undefined : { ...base, localJWKS: text };
  }
  if (p.remoteJWKS && !p.localJWKS) {
    const remote = p.remoteJWKS;
    const cacheDurationMs = remote.cacheDuration === undefined ? DEFAULT_JWKS_CACHE_MS : parseDuration(remote.cacheDuration);
    if (cacheDurationMs === undefined) problems.push(`${where}.remoteJWKS.cacheDuration ${JSON.stringify(remote.cacheDuration)} is not a valid duration`);
    if (!/^https?:\/\/[^\s/]+/.test(remote.uri ?? '')) problems.push(`${where}.remoteJWKS.uri ${JSON.stringify(remote.uri)} is not an http(s) URI`);
    const from = { group: PORTICO_GROUP, kind: 'SecurityPolicy', namespace };
    const resolution = resolveBackendRef(ctx, from, { name: remote.backendRef?.name ?? '', port: remote.backendRef?.port }, 'HTTP');
    if (!resolution.ok) {
      problems.push(`${where}.remoteJWKS.backendRef: ${resolution.message}`);
      return undefined;
    }
    if (resolution.invalidTLS) problems.push(`${where}.remoteJWKS.backendRef: ${resolution.invalidTLS}`);
    if (cacheDurationMs === undefined) return undefined;
    return { ...base, remoteJWKS: { uri: remote.uri, backend: resolution.backend.name, cacheDurationMs } };
  }
  problems.push(`${where}: exactly one of localJWKS and remoteJWKS must be set`);
  return undefined;
}

function localJWKS(ctx: TranslationContext, namespace: string, source: NonNullable<JWTProvider['localJWKS']>, where: string, problems: string[]): string | undefined {
  let text: string | undefined;
  if (source.inline !== undefined) text = source.inline;
  else if (source.valueRef?.kind === 'ConfigMap') {
    const key = JWKS_KEY;
    const map = ctx.resources.get('ConfigMap', namespace, source.valueRef.name);
    text = map?.data?.[key];
    if (text === undefined) problems.push(`${where}.localJWKS: ConfigMap ${namespace}/${source.valueRef.name} ${map ? `has no key ${key}` : 'does not exist'}`);
  } else if (source.valueRef?.kind === 'Secret') {
    text = secretValue(ctx, namespace, source.valueRef.name, JWKS_KEY, `${where}.localJWKS`, problems);
  } else problems.push(`${where}.localJWKS: exactly one of inline and valueRef must be set`);
  if (text === undefined) return undefined;
  const problem = jwksProblem(text);
  if (problem) {
    problems.push(`${where}.localJWKS: ${problem}`);
    return undefined;
  }
  return text;
}

/** Why Envoy could not use this JWKS, or why it must not be served (private key material); undefined when fine. */
function jwksProblem(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'is not JSON';
  }
  const keys = (parsed as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0) return 'is not a JSON Web Key Set (RFC 7517): it needs a non-empty "keys" array';
  for (const [i, key] of keys.entries()) {
    if (typeof key !== 'object' || key === null || typeof (key as { kty?: unknown }).kty !== 'string') return `keys[${i}] has no "kty"`;
    const secret = PRIVATE_JWK_MEMBERS.filter((m) => m in key);
    if (secret.length > 0) return `keys[${i}] carries private or symmetric key material (${secret.join(', ')}); a JWKS for verification holds public keys only`;
  }
  return undefined;
}

function secretValue(ctx: TranslationContext, namespace: string, name: string | undefined, key: string, where: string, problems: string[]): string | undefined {
  const secret = name ? ctx.resources.get('Secret', namespace, name) : undefined;
  const value = decodeSecretValue(secret, key);
  if (value === undefined) problems.push(`${where}: Secret ${namespace}/${name} ${secret ? `has no key ${key}` : 'does not exist'}`);
  return value;
}
