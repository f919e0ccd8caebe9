/**
 * Client certificate validation on the Gateway's TLS listeners (Gateway `spec.tls.frontend`, GEP-91):
 * the configuration for a port (a `perPort` entry, else `default`) applies to every listener that
 * terminates TLS on it. Its CA references are checked like the spec says (gateway_types.go
 * FrontendTLSValidation.CACertificateRefs): each problem sets the listener's ResolvedRefs=False
 * (InvalidCACertificateKind, RefNotPermitted, InvalidCACertificateRef), and when none is usable the
 * listener is not accepted (NoValidCACertificate) rather than served without the validation its
 * owner asked for.
 */
import { X509Certificate } from 'node:crypto';
import type { ClientValidationIR } from '@portico/ir';
import type { Gateway, SecretObjectReference } from '@portico/resources';
import type { TranslationContext } from '../context.js';
import type { ListenerProblem, ListenerState } from './listeners.js';
import { isReferenceAllowed } from '../backends/reference-grants.js';
import { decodeSecretValue } from './secrets.js';

type FrontendValidation = NonNullable<NonNullable<NonNullable<Gateway['spec']['tls']>['frontend']>['default']>['validation'];

/** The key of a CA bundle in a ConfigMap or Secret (Support: Core is a ConfigMap with `ca.crt`). */
const CA_KEY = 'ca.crt';

/**
 * Sets `clientValidation` (or the problems) on each TLS-terminating listener a frontend validation
 * applies to. The spec speaks of "Listeners handling HTTPS traffic"; a TLS listener in Terminate mode
 * is validated too: serving it without the client check its port was configured with would let in
 * clients the owner meant to keep out.
 */
export function applyFrontendValidation(ctx: TranslationContext, gateway: Gateway, namespace: string, listeners: ListenerState[]): void {
  const frontend = gateway.spec.tls?.frontend;
  if (!frontend) return;
  const resolved = new Map<FrontendValidation, ResolvedValidation>();
  for (const l of listeners) {
    if (!terminatesTLS(l) || l.notAccepted) continue;
    const validation = validationForPort(gateway, l.spec.port);
    if (!validation) continue;
    let result = resolved.get(validation);
    if (!result) resolved.set(validation, (result = resolveValidation(ctx, namespace, validation)));
    l.unresolved.push(...result.problems);
    if (result.ir) l.clientValidation = result.ir;
    else {
      l.notAccepted = {
        reason: 'NoValidCACertificate',
        message: `client certificate validation for port ${l.spec.port} has no usable CA certificate: ${result.problems.map((p) => p.message).join('; ') || 'caCertificateRefs is empty'}`,
      };
    }
  }
}

/**
 * gateway_types.go GatewayConditionInsecureFrontendValidationMode: true while the Gateway is
 * "configured to allow insecure fallback behavior", at the Gateway level or in a per-port override.
 */
export function allowsInsecureFallback(gateway: Gateway): boolean {
  const frontend = gateway.spec.tls?.frontend;
  if (!frontend) return false;
  const validations = [frontend.default?.validation, ...(frontend.perPort ?? []).map((p) => p.tls?.validation)];
  return validations.some((v) => v?.mode === 'AllowInsecureFallback');
}

function terminatesTLS(l: ListenerState): boolean {
  return l.spec.protocol === 'HTTPS' || (l.spec.protocol === 'TLS' && l.spec.tls?.mode === 'Terminate');
}

/** "Once set this configuration overrides the default configuration for all Listeners ... that match this port." */
function validationForPort(gateway: Gateway, port: number): FrontendValidation {
  const frontend = gateway.spec.tls?.frontend;
  const perPort = (frontend?.perPort ?? []).find((p) => p.port === port);
  return perPort ? perPort.tls?.validation : frontend?.default?.validation;
}

interface ResolvedValidation {
  ir?: ClientValidationIR;
  problems: ListenerProblem[];
}

function resolveValidation(ctx: TranslationContext, namespace: string, validation: NonNullable<FrontendValidation>): ResolvedValidation {
  const problems: ListenerProblem[] = [];
  const bundles: string[] = [];
  const sources: string[] = [];
  for (const ref of validation.caCertificateRefs ?? []) {
    const result = resolveCARef(ctx, namespace, ref);
    if ('problem' in result) problems.push(result.problem);
    else {
      bundles.push(result.pem.endsWith('\n') ? result.pem : `${result.pem}\n`);
      sources.push(result.source);
    }
  }
  if (bundles.length === 0) return { problems };
  // Anything but AllowInsecureFallback (the CRD's enum allows only the two) is the strict default.
  const mode = validation.mode === 'AllowInsecureFallback' ? 'AllowInsecureFallback' : 'AllowValidOnly';
  return { problems, ir: { mode, caSources: sources, caCertificates: bundles.join('') } };
}

function resolveCARef(ctx: TranslationContext, gatewayNamespace: string, ref: SecretObjectReference): { pem: string; source: string } | { problem: ListenerProblem } {
  const group = ref.group ?? '';
  const kind = ref.kind ?? '';
  const namespace = ref.namespace ?? gatewayNamespace;
  const display = `${kind} ${namespace}/${ref.name}`;
  if (group !== '' || (kind !== 'ConfigMap' && kind !== 'Secret')) {
    return {
      problem: {
        reason: 'InvalidCACertificateKind',
        message: `caCertificateRef ${group || 'core'}/${kind} ${ref.name} is not supported: use a ConfigMap (or Secret) with the key ${CA_KEY}`,
      },
    };
  }
  const from = { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: gatewayNamespace };
  if (!isReferenceAllowed(ctx.resources, from, { group: '', kind, namespace, name: ref.name })) {
    return {
      problem: {
        reason: 'RefNotPermitted',
        message: `caCertificateRef to ${display} is not permitted: no ReferenceGrant in namespace ${namespace} allows Gateways from namespace ${gatewayNamespace} to refer to it`,
      },
    };
  }
  const configMap = kind === 'ConfigMap' ? ctx.resources.get('ConfigMap', namespace, ref.name) : undefined;
  const secret = kind === 'Secret' ? ctx.resources.get('Secret', namespace, ref.name) : undefined;
  if (!configMap && !secret) return { problem: { reason: 'InvalidCACertificateRef', message: `caCertificateRef ${display} does not exist` } };
  const pem = configMap ? configMap.data?.[CA_KEY] : decodeSecretValue(secret, CA_KEY);
  if (!pem) return { problem: { reason: 'InvalidCACertificateRef', message: `caCertificateRef ${display} has no key ${CA_KEY}` } };
  try {
    new X509Certificate(pem);
  } catch {
    return { problem: { reason: 'InvalidCACertificateRef', message: `caCertificateRef ${display}: key ${CA_KEY} is not a PEM certificate` } };
  }
  return { pem, source: `${kind}/${namespace}/${ref.name}` };
}
