/**
 * Every ingress-nginx annotation of an Ingress, parsed once into an IngressAnnotations record. Each
 * annotation is either read by a family (one file each) or reported as unsupported (unsupported.ts),
 * and every value a family cannot use is reported: nothing is silently ignored. Problems are messages
 * naming the annotation; the first fail-closed one decides what the Ingress's paths answer.
 */
import type { Ingress } from '@portico/resources';
import { annotationValues } from './annotation-values.js';
import type { AnnotationFamily, IngressAnnotations } from './ingress-annotations.js';
import { backendProtocolFamily } from './routing/backend-protocol.js';
import { authURLFamily } from './security/auth-url.js';
import { basicAuthFamily } from './security/basic-auth.js';
import { corsFamily } from './security/cors.js';
import { customHeadersFamily } from './traffic/custom-headers.js';
import { sourceRangesFamily } from './security/source-ranges.js';
import { canaryFamily } from './routing/canary.js';
import { proxyBodySizeFamily } from './traffic/proxy-body-size.js';
import { proxyTimeoutsFamily } from './routing/proxy-timeouts.js';
import { rateLimitFamily } from './traffic/rate-limits.js';
import { redirectFamily } from './routing/redirects.js';
import { rewriteFamily } from './routing/rewrite.js';
import { serverAliasFamily } from './routing/server-alias.js';
import { CANARY_AFFINITY_NOTE, SESSION_AFFINITY_NAMES, sessionAffinityFamily } from './traffic/session-affinity.js';
import { sslRedirectFamily } from './routing/ssl-redirect.js';
import { unsupportedAnnotation } from './unsupported.js';
import { upstreamVhostFamily } from './routing/upstream-vhost.js';

const FAMILIES: readonly AnnotationFamily[] = [rewriteFamily, sslRedirectFamily, backendProtocolFamily, proxyTimeoutsFamily, redirectFamily, upstreamVhostFamily, serverAliasFamily, canaryFamily, sourceRangesFamily, basicAuthFamily, corsFamily, rateLimitFamily, sessionAffinityFamily, proxyBodySizeFamily, customHeadersFamily, authURLFamily];
const IMPLEMENTED = new Set(FAMILIES.flatMap((f) => f.names));

export interface AnnotationProblem {
  /** The annotation key as written on the Ingress. */
  annotation: string;
  message: string;
  /** `unsupported`: Portico does not implement it; `invalid`: a value it cannot use. */
  reason: 'unsupported' | 'invalid';
  /** The status the Ingress's paths answer instead of being served, when this problem closes them. */
  failClosedStatus?: number;
  /** Gateway API / Portico alternative, for unsupported annotations. */
  alternative?: string;
}

export interface ParsedIngressAnnotations {
  annotations: IngressAnnotations;
  problems: AnnotationProblem[];
}

export function parseIngressAnnotations(ingress: Ingress): ParsedIngressAnnotations {
  const values = annotationValues(ingress);
  const annotations: IngressAnnotations = { regexPaths: false };
  const problems: AnnotationProblem[] = [];
  const failClosed = (status: number, reason: string) => {
    annotations.failClosed ??= { status, reason };
  };
  for (const family of FAMILIES) {
    family.parse(values, annotations, (value, message, effect) => {
      const status = effect?.status;
      const reason = effect?.unsupported ? 'unsupported' : 'invalid';
      problems.push({ annotation: value.key, reason, message: `${value.key}: ${JSON.stringify(value.value)} ${message}`, ...(status !== undefined ? { failClosedStatus: status } : {}) });
      if (status !== undefined) failClosed(status, `${value.key} cannot be applied`);
    });
  }
  for (const name of values.names()) {
    if (annotations.canary && !name.startsWith('canary')) {
      const { key } = values.get(name)!;
      const ignored = SESSION_AFFINITY_NAMES.includes(name) ? CANARY_AFFINITY_NOTE : 'is ignored on a canary Ingress: its requests are handled as the main Ingress\'s annotations say (as in ingress-nginx)';
      problems.push({ annotation: key, reason: 'invalid', message: `${key} ${ignored}` });
      continue;
    }
    if (IMPLEMENTED.has(name)) continue;
    const { key } = values.get(name)!;
    const { alternative, failClosedStatus, known } = unsupportedAnnotation(name);
    const what = known ? 'is not supported by Portico' : 'is not an annotation Portico knows';
    const effect = failClosedStatus
      ? `; it restricts access, so every path of this Ingress answers ${failClosedStatus} rather than be served unprotected`
      : '; it has no effect';
    problems.push({ annotation: key, reason: 'unsupported', message: `${key} ${what}${effect} (instead: ${alternative})`, alternative, ...(failClosedStatus ? { failClosedStatus } : {}) });
    if (failClosedStatus) failClosed(failClosedStatus, `${key} is not supported`);
  }
  // A canary's other annotations are ignored (reported above): only the canary rules are kept.
  if (annotations.canary) return { annotations: { regexPaths: false, canary: annotations.canary }, problems };
  return { annotations, problems };
}
