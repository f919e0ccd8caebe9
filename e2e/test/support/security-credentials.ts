/**
 * Credentials for the SecurityPolicy e2e tests, made locally with node:crypto: an htpasswd SHA-1 line
 * (`htpasswd -s`), an RSA key pair with its public JWKS, RS256-signed JWTs, and a backend that answers
 * with the request headers it received (to see what the filters forward).
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';

/** `user:{SHA}base64(sha1(password))`, the only htpasswd format Envoy's basic_auth verifies. */
export function htpasswdLine(user: string, password: string): string {
  return `${user}:{SHA}${createHash('sha1').update(password).digest('base64')}`;
}

export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  /** `{"keys":[…]}` with the public key only. */
  jwks: string;
}

export function signingKey(kid: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, jwks: JSON.stringify({ keys: [jwk] }) };
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** An RS256 JWT with these claims (`iat` now unless given). */
export function signJwt(key: SigningKey, claims: Record<string, unknown>): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.kid }));
  const payload = base64url(JSON.stringify({ iat: Math.floor(Date.now() / 1000), ...claims }));
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), key.privateKey);
  return `${header}.${payload}.${base64url(signature)}`;
}

export interface HeaderEcho {
  port: number;
  server: Server;
}

/** Answers 200 with `{ path, headers }` of the request as JSON. */
export async function startHeaderEcho(): Promise<HeaderEcho> {
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ path: request.url, headers: request.headers }));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { port: (server.address() as { port: number }).port, server };
}

export interface JwksServer {
  port: number;
  server: Server;
  /** Requests served so far. */
  fetches(): number;
}

/** Serves `jwks` on every path, counting the fetches. */
export async function startJwksServer(jwks: string): Promise<JwksServer> {
  let count = 0;
  const server = createServer((request, response) => {
    request.resume();
    count++;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(jwks);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { port: (server.address() as { port: number }).port, server, fetches: () => count };
}

export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((ok) => server.close(() => ok()));
}
