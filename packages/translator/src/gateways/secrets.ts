/** Reading values out of Secrets (base64 `data`, or `stringData` as written in a file). */
import type { Secret } from '@portico/resources';

export function decodeSecretValue(secret: Secret | undefined, key: string): string | undefined {
  if (!secret) return undefined;
  const plain = secret.stringData?.[key];
  if (plain !== undefined) return plain;
  const encoded = secret.data?.[key];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}
