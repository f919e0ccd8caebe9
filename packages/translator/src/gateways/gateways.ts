/**
 * The Gateways of our accepted classes, with their listeners validated and conflicts marked: the
 * state routes attach to. Status is written at the end (gateway-status.ts), once routes are counted.
 */
import { isIP } from 'node:net';
import type { CertificateIR } from '@portico/ir';
import type { Gateway } from '@portico/resources';
import { resolveBackendClientCertificate } from '../backends/backend-client-certificate.js';
import { containObject, failureMessage, TRANSLATION_ERROR } from '../containment.js';
import { compareAge, type TranslationContext } from '../context.js';
import { applyFrontendValidation } from './frontend-validation.js';
import { markConflicts } from './listener-conflicts.js';
import type { ListenerSetState } from './listener-sets.js';
import { validateListener, type ListenerState } from './listeners.js';

export interface GatewayState {
  gateway: Gateway;
  /** `namespace/name`. */
  key: string;
  namespace: string;
  /** The Gateway's own listeners (`spec.listeners`). */
  listeners: ListenerState[];
  /** ListenerSets naming this Gateway as parent, attached or not, in precedence order (listener-sets.ts). */
  listenerSets: ListenerSetState[];
  /** Accepted=False for the whole Gateway (e.g. unsupported address, duplicate listener names). */
  invalid?: { reason: string; message: string };
  /** `spec.tls.backend.clientCertificateRef`, resolved: presented to every TLS backend of this Gateway. */
  backendClientCertificate?: CertificateIR;
  /** Why `spec.tls.backend.clientCertificateRef` cannot be used (Gateway ResolvedRefs=False). */
  backendTLSProblem?: { reason: string; message: string };
}

export function collectGateways(ctx: TranslationContext, classes: Set<string>): GatewayState[] {
  const states: GatewayState[] = [];
  // `spec?.`: a Gateway without spec (the CRD requires one) names no class, so it is not ours.
  const gateways = ctx.resources.list('Gateway').filter((g) => classes.has(g.spec?.gatewayClassName));
  for (const gateway of gateways.sort(byKey)) {
    const namespace = gateway.metadata.namespace ?? 'default';
    const key = `${namespace}/${gateway.metadata.name}`;
    const state = containObject(
      ctx,
      gateway,
      (): GatewayState => {
        const owner = { kind: 'Gateway' as const, namespace, name: gateway.metadata.name };
        const listeners = (gateway.spec.listeners ?? []).map((l) => validateListener(ctx, owner, l));
        applyFrontendValidation(ctx, gateway, namespace, listeners);
        markConflicts(listeners);
        const state: GatewayState = { gateway, key, namespace, listeners, listenerSets: [] };
        const backendCertificate = resolveBackendClientCertificate(ctx, gateway, namespace);
        if (backendCertificate?.ok) state.backendClientCertificate = backendCertificate.certificate;
        else if (backendCertificate) state.backendTLSProblem = { reason: backendCertificate.reason, message: backendCertificate.message };
        const invalid = duplicateListenerNames(gateway) ?? invalidParameters(gateway) ?? unsupportedAddress(gateway);
        if (invalid) state.invalid = invalid;
        return state;
      },
      // No listener: no route attaches, no IR; the Gateway's status says why (gateway-status.ts).
      (failure): GatewayState => {
        failure.gateway = key;
        return { gateway, key, namespace, listeners: [], listenerSets: [], invalid: { reason: TRANSLATION_ERROR, message: failureMessage(failure) } };
      },
    );
    states.push(state);
  }
  return states;
}

function byKey(a: Gateway, b: Gateway): number {
  return compareAge({ metadata: { namespace: a.metadata.namespace, name: a.metadata.name } }, { metadata: { namespace: b.metadata.namespace, name: b.metadata.name } });
}

/** The CRD forbids it; a file can still say it, and listener status would then be ambiguous. */
function duplicateListenerNames(gateway: Gateway): { reason: string; message: string } | undefined {
  const seen = new Set<string>();
  for (const l of gateway.spec.listeners ?? []) {
    if (seen.has(l.name)) return { reason: 'Invalid', message: `listener name ${l.name} is used more than once` };
    seen.add(l.name);
  }
  return undefined;
}

/**
 * GatewayInfrastructure.ParametersRef: a referent of an unsupported kind means the Gateway "SHOULD be rejected
 * with the Accepted status condition set to False and an InvalidParameters reason"; Portico supports none.
 */
function invalidParameters(gateway: Gateway): { reason: string; message: string } | undefined {
  const ref = gateway.spec.infrastructure?.parametersRef;
  if (!ref) return undefined;
  return { reason: 'InvalidParameters', message: `infrastructure.parametersRef ${ref.group}/${ref.kind} ${ref.name} is not supported: this controller takes no parameters` };
}

/**
 * Portico binds every listener on all interfaces; it can report, not allocate, the addresses asked for.
 * An address that asks for a reachability scope (v1.7.0 `routability`: `Cluster`, or a vendor's) is
 * refused too: Portico does not implement GatewayAddressRoutability, and GEP-5093 forbids satisfying such
 * a request with an address of another scope — a `Cluster` address must never become the Envoy Service's
 * load balancer address, reachable from outside.
 */
function unsupportedAddress(gateway: Gateway): { reason: string; message: string } | undefined {
  for (const a of gateway.spec.addresses ?? []) {
    if (a.routability) {
      return {
        reason: 'UnsupportedAddress',
        message: `address ${a.value || '(any)'} asks for routability ${a.routability}, which is not supported: Portico cannot limit where an address is reachable from, and does not give one of another scope (remove routability)`,
      };
    }
    const type = a.type ?? 'IPAddress';
    if (type !== 'IPAddress' && type !== 'Hostname') {
      return { reason: 'UnsupportedAddress', message: `address type ${type} is not supported (use IPAddress or Hostname)` };
    }
    if (type === 'IPAddress' && a.value && isIP(a.value) === 0) {
      return { reason: 'UnsupportedAddress', message: `address ${a.value} is not a valid IP address` };
    }
  }
  return undefined;
}
