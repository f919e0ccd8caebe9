/**
 * What the API server checks on an Ingress (pkg/apis/networking/validation ValidateIngressSpec), done
 * here because the file provider has no API server in front of it. An Ingress that fails is refused
 * whole, as the API server would have refused it: without this, `BLOG.example.com` (not a valid host)
 * became a virtual host that Envoy matches case-insensitively and took over `blog.example.com` from
 * another team's Ingress.
 */
import { isIP } from 'node:net';
import { quoteValue } from '@portico/ir';
import type { Ingress } from '@portico/resources';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SUBDOMAIN_MAX = 253;
/** ValidateIngressSpec: for Exact and Prefix paths. */
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

/** IngressRule.host: a lower-case DNS-1123 subdomain, optionally `*.` + one, never an IP address. */
export function ingressHostProblem(host: string): string | undefined {
  if (isIP(host)) return `${quoteValue(host)} must be a DNS name, not an IP address`;
  const wildcard = host.startsWith('*.');
  const name = wildcard ? host.slice(2) : host;
  if (host.length > SUBDOMAIN_MAX || !DNS1123_SUBDOMAIN.test(name)) {
    return (
      `${quoteValue(host)} is not a valid host: a lower-case RFC 1123 subdomain (lower-case letters, digits, '-' and '.', ` +
      `starting and ending with a letter or digit, at most ${SUBDOMAIN_MAX} characters)${wildcard ? " after the leading '*.'" : ", optionally after a leading '*.'"}`
    );
  }
  return undefined;
}

/** HTTPIngressPath.path: absolute, and for Exact/Prefix free of the sequences the API server refuses. */
export function ingressPathProblem(path: string, pathType: string | undefined): string | undefined {
  if (!path.startsWith('/')) return `${quoteValue(path)} must be an absolute path`;
  if (pathType === 'Exact' || pathType === 'Prefix') {
    const sequence = INVALID_PATH_SEQUENCES.find((s) => path.includes(s));
    if (sequence) return `${quoteValue(path)} must not contain '${sequence}'`;
    const suffix = INVALID_PATH_SUFFIXES.find((s) => path.endsWith(s));
    if (suffix) return `${quoteValue(path)} must not end with '${suffix}'`;
  }
  return undefined;
}

/** The first thing the API server would refuse in this Ingress's rules and TLS hosts, with its field. */
export function ingressSpecProblem(ingress: Ingress): string | undefined {
  for (const [i, rule] of (ingress.spec?.rules ?? []).entries()) {
    if (rule.host) {
      const p = ingressHostProblem(rule.host);
      if (p) return `spec.rules[${i}].host: ${p}`;
    }
    for (const [j, path] of (rule.http?.paths ?? []).entries()) {
      if (path.path === undefined || path.path === '') continue;
      const p = ingressPathProblem(path.path, path.pathType);
      if (p) return `spec.rules[${i}].http.paths[${j}].path: ${p}`;
    }
  }
  for (const [i, tls] of (ingress.spec?.tls ?? []).entries()) {
    for (const [j, host] of (tls.hosts ?? []).entries()) {
      const p = ingressHostProblem(host);
      if (p) return `spec.tls[${i}].hosts[${j}]: ${p}`;
    }
  }
  return undefined;
}
