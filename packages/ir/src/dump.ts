/**
 * The human-readable IR dump behind `portico translate --to ir` and `/debug/ir` (like `egctl x translate
 * --to ir`). Secret material never leaves the process: private keys are replaced and PEM bundles are
 * summarised, so a dump can be pasted into an issue.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { GatewayIR } from './types.js';

/** What every `privateKey` (and other secret value) is replaced with. */
export const REDACTED = '[redacted]';

/**
 * Keys whose value is secret: replaced whole. A private key, a SecurityPolicy's htpasswd file and
 * each of its API keys (SecurityIR).
 */
const PRIVATE_KEY_FIELDS: ReadonlySet<string> = new Set(['privateKey', 'htpasswd', 'apiKey']);
/** Keys whose value is a PEM bundle of public certificates: summarised (count and fingerprint). */
const PEM_FIELDS: ReadonlySet<string> = new Set(['certificateChain', 'caCertificates']);

export type DumpFormat = 'yaml' | 'json';

/**
 * `[PEM: 2 certificates, sha256:3f2a9c1e0b7d]`: enough to tell two bundles apart or match one against a
 * file (`sha256sum`), without the noise of base64 in a dump.
 */
export function summarizePEM(pem: string): string {
  const count = pem.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0;
  const digest = createHash('sha256').update(pem).digest('hex').slice(0, 12);
  return `[PEM: ${count} certificate${count === 1 ? '' : 's'}, sha256:${digest}]`;
}

/**
 * Returns a deep copy of any JSON-like value with secret material removed: every `privateKey` becomes
 * `"[redacted]"` and every `certificateChain` / `caCertificates` string becomes a PEM summary, at any
 * depth. Matching by key (not by IR type) keeps it correct for fields added later and usable for other
 * dumps. The input is never mutated; `undefined` object members are dropped as JSON would.
 */
export function redactIR<T>(value: T): T {
  return redactValue(value, undefined) as T;
}

function redactValue(value: unknown, key: string | undefined): unknown {
  if (key !== undefined && PRIVATE_KEY_FIELDS.has(key) && value !== undefined && value !== null) return REDACTED;
  if (key !== undefined && PEM_FIELDS.has(key) && typeof value === 'string' && value !== '') return summarizePEM(value);
  // The headers sent with every trace export (XTelemetryPolicy provider.headers) are how collectors take
  // API keys: their names stay readable, their values do not.
  if (key === 'exportHeaders' && Array.isArray(value)) return value.map((h: Record<string, unknown>) => ({ ...h, value: REDACTED }));
  if (Array.isArray(value)) return value.map((item) => redactValue(item, undefined));
  if (value instanceof Map) return redactValue(Object.fromEntries(value), key);
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) copy[k] = redactValue(v, k);
    }
    return copy;
  }
  return value;
}

/**
 * Prints `{ ir: { "<namespace>/<name>": GatewayIR } }` with gateways in key order, redacted (see
 * {@link redactIR}). The same input always yields the same text, whether given as a Map or a record
 * and whatever its insertion order. YAML is written without line folding and without anchors/aliases so
 * that every value reads (and greps) as one piece.
 */
export function dumpIR(gateways: Map<string, GatewayIR> | Record<string, GatewayIR>, format: DumpFormat): string {
  const entries = gateways instanceof Map ? [...gateways.entries()] : Object.entries(gateways);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const ir: Record<string, GatewayIR> = {};
  for (const [key, gateway] of entries) ir[key] = redactIR(gateway);
  return formatDocument({ ir }, format);
}

/** Serialises one plain document the way every Portico dump does. */
export function formatDocument(document: unknown, format: DumpFormat): string {
  if (format === 'json') return `${JSON.stringify(document, null, 2)}\n`;
  return stringify(document, {
    lineWidth: 0,
    minContentWidth: 0,
    aliasDuplicateObjects: false,
    // kubectl and egctl (sigs.k8s.io/yaml) print sequences unindented; readers expect that shape.
    indentSeq: false,
    // Quote what a YAML 1.1 reader (kubectl's, Envoy's) would take for a boolean or number: `"yes"`, `"on"`.
    version: '1.1',
  });
}
