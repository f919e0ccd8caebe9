/**
 * Ingress link: the ingress-nginx annotations (and their `portico.dev/` twins) of the Ingresses Portico
 * serves that it does not implement or cannot parse (the translator's parseIngressAnnotations, the
 * same reading the translation used). One finding per annotation, naming it, why, and the Gateway API
 * or Portico alternative. FAIL when it closes the Ingress's paths (an unimplemented auth-* or source
 * range: they answer 500/403 rather than be served unprotected, or a rewrite/redirect that cannot be
 * applied), WARN otherwise (the annotation has no effect). Ingresses of other controllers are not
 * ours to judge: only those with a status from this translation are read. An auth-url whose Service
 * does not resolve (found by the translation, AUTH_URL_UNUSABLE) is a FAIL too.
 * A canary Ingress that shares no main route (no Ingress serves its host and path, or the path already
 * has an older canary) is not served: WARN IngressCanaryNotServed, from the translation's diagnostics.
 */
import { AUTH_URL_UNUSABLE, CANARY_NOT_SERVED, parseIngressAnnotations, statusKey } from '@portico/translator';
import type { Check, Finding } from '../../findings.js';
import { namespaceOf } from '../chain-objects.js';

export const ingressAnnotationCheck: Check = (input) => {
  const findings: Finding[] = [];
  for (const ingress of input.resources.list('Ingress')) {
    const namespace = namespaceOf(ingress);
    if (!input.translation.statuses.has(statusKey('Ingress', namespace, ingress.metadata.name))) continue;
    for (const problem of parseIngressAnnotations(ingress).problems) {
      const closed = problem.failClosedStatus !== undefined;
      findings.push({
        level: closed ? 'FAIL' : 'WARN',
        link: 'Route',
        object: { kind: 'Ingress', namespace, name: ingress.metadata.name },
        field: `metadata.annotations[${problem.annotation}]`,
        code: closed ? 'IngressAnnotationFailClosed' : problem.reason === 'unsupported' ? 'IngressAnnotationUnsupported' : 'IngressAnnotationInvalid',
        message: problem.message,
        fix: problem.alternative
          ? `express it with ${problem.alternative}, then remove the annotation`
          : 'correct the value as ingress-nginx documents it, or remove the annotation',
      });
    }
  }
  for (const d of input.translation.diagnostics) {
    // An auth-url whose Service does not resolve is found by the translation, not by parsing: its paths answer 500.
    if (d.kind === 'Ingress' && d.message.startsWith(AUTH_URL_UNUSABLE)) {
      findings.push({
        level: 'FAIL',
        link: 'Route',
        object: { kind: 'Ingress', namespace: d.namespace ?? 'default', name: d.name },
        field: 'metadata.annotations[nginx.ingress.kubernetes.io/auth-url]',
        code: 'IngressAnnotationFailClosed',
        message: d.message,
        fix: 'create the Service (or the ReferenceGrant for Ingresses) the auth-url names, or correct the URL',
      });
      continue;
    }
    if (d.kind !== 'Ingress' || !d.message.startsWith(CANARY_NOT_SERVED)) continue;
    findings.push({
      level: 'WARN',
      link: 'Route',
      object: { kind: 'Ingress', namespace: d.namespace ?? 'default', name: d.name },
      field: 'metadata.annotations[nginx.ingress.kubernetes.io/canary]',
      code: 'IngressCanaryNotServed',
      message: `the canary is not served: ${d.message.slice(CANARY_NOT_SERVED.length)}`,
      fix: 'give the canary the host and path (as written) of the main Ingress it shares, one canary per path',
    });
  }
  return findings;
};
