/**
 * Words for a Service's ports and a guess at the Service a misspelt reference meant: the fix of a
 * backend finding names what really exists (`port 80 (http) or 443 (https)`, `Service web-api`).
 */
import type { Service, ServicePort } from '@portico/resources';

export function servicePorts(service: Service | undefined): ServicePort[] {
  const ports = service?.spec?.ports;
  return Array.isArray(ports) ? ports.filter((p): p is ServicePort => typeof p === 'object' && p !== null && typeof p.port === 'number') : [];
}

/** `port 80 (http)`, with the protocol when it is not TCP. */
export function describePort(port: ServicePort): string {
  const details = [port.name, port.protocol && port.protocol !== 'TCP' ? port.protocol : undefined].filter(Boolean);
  return `port ${port.port}${details.length ? ` (${details.join(', ')})` : ''}`;
}

/** `port 80 (http) or 443 (https)`; `port 80, 443 or 8443`. */
export function describePorts(ports: readonly ServicePort[]): string {
  const words = ports.map((p, i) => (i === 0 ? describePort(p) : describePort(p).slice('port '.length)));
  if (words.length <= 1) return words[0] ?? 'no ports';
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

/**
 * The candidate closest to `name` (edit distance at most a third of its length, at least 1, or one
 * name containing the other), or undefined: a typo, a missing suffix, `web` for `web-svc`.
 */
export function similarName(name: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  const limit = Math.max(1, Math.floor(name.length / 3));
  for (const candidate of [...candidates].sort()) {
    if (candidate === name) continue;
    const distance = editDistance(name, candidate);
    const related = distance <= limit || candidate.includes(name) || name.includes(candidate);
    if (related && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
