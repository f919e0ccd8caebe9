/**
 * Gateway link: Accepted and Programmed as the translator decided them (gateway_types.go
 * GatewayConditionAccepted/Programmed), with the field at fault and what to change; the addresses it
 * reports. Listener problems are the Listener link's: here they are only named.
 */
import type { Condition, Gateway } from '@portico/resources';
import type { Check, Finding } from '../../findings.js';
import { condition, keyOf, ourGateways, refOf, statusOf, namespaceOf } from '../chain-objects.js';

export const gatewayCheck: Check = (input) =>
  ourGateways(input).flatMap((gateway) => {
    const status = statusOf(input, 'Gateway', namespaceOf(gateway), gateway.metadata.name)!;
    const base = { link: 'Gateway' as const, gateway: keyOf(gateway), object: refOf(gateway) };
    const findings: Finding[] = [];
    const accepted = condition(status.conditions, 'Accepted');
    const programmed = condition(status.conditions, 'Programmed');
    if (accepted?.status !== 'True') {
      findings.push({ ...base, level: 'FAIL', ...notAccepted(gateway, accepted) });
    } else if (programmed?.status !== 'True') {
      findings.push({ ...base, level: 'FAIL', ...notProgrammed(gateway, programmed) });
    } else if (accepted.reason === 'ListenersNotValid') {
      findings.push({ ...base, level: 'WARN', field: 'spec.listeners', code: 'ListenersNotValid', message: `the Gateway is programmed, but not every listener: ${accepted.message}`, fix: 'see the Listener findings below' });
    } else {
      const addresses = (status.addresses ?? []).map((a) => a.value);
      const where = addresses.length > 0 ? `; addresses ${addresses.join(', ')}` : '';
      findings.push({ ...base, level: 'OK', code: 'Programmed', message: `the Gateway is accepted and programmed${where}` });
    }
    const resolved = condition(status.conditions, 'ResolvedRefs');
    // ListenersNotResolved only summarises the listeners' own ResolvedRefs, reported per listener.
    if (resolved?.status === 'False' && resolved.reason !== 'ListenersNotResolved') {
      findings.push({
        ...base,
        level: 'FAIL',
        field: 'spec.tls.backend.clientCertificateRef',
        code: resolved.reason,
        message: `the Gateway's client certificate for TLS backends cannot be used: ${resolved.message}`,
        fix: resolved.reason === 'RefNotPermitted' ? 'apply the ReferenceGrant shown under ReferenceGrant' : 'point clientCertificateRef at a kubernetes.io/tls Secret with tls.crt and a matching tls.key',
      });
    }
    return findings;
  });

function notAccepted(gateway: Gateway, accepted: Condition | undefined): Pick<Finding, 'code' | 'message' | 'fix' | 'field'> {
  const reason = accepted?.reason ?? 'NotAccepted';
  const message = `the Gateway is not accepted, so nothing of it is served: ${accepted?.message ?? 'no Accepted condition'}`;
  switch (reason) {
    case 'InvalidParameters':
      return { code: reason, field: 'spec.infrastructure.parametersRef', message, fix: 'remove spec.infrastructure.parametersRef: Portico takes no parameters object' };
    case 'UnsupportedAddress':
      return { code: reason, field: 'spec.addresses', message, fix: 'use addresses of type IPAddress (a valid IP) or Hostname without routability, or remove spec.addresses' };
    case 'ListenersNotValid':
      return { code: reason, field: 'spec.listeners', message, fix: 'fix the listeners (see the Listener findings below): at least one must be valid' };
    case 'Invalid':
      return { code: reason, field: 'spec.listeners', message, fix: 'give every listener a unique name' };
    default:
      return { code: reason, message, fix: `read the Gateway's status: kubectl get gateway -n ${namespaceOf(gateway)} ${gateway.metadata.name} -o yaml` };
  }
}

function notProgrammed(gateway: Gateway, programmed: Condition | undefined): Pick<Finding, 'code' | 'message' | 'fix' | 'field'> {
  const reason = programmed?.reason ?? 'NotProgrammed';
  const message = `the Gateway is not programmed (${reason}): ${programmed?.message ?? 'no Programmed condition'}`;
  switch (reason) {
    case 'AddressNotAssigned':
      return { code: reason, field: 'spec.addresses', message, fix: 'give every spec.addresses entry a value, or remove the entries without one' };
    case 'AddressNotUsable':
      return { code: reason, field: 'spec.addresses', message, fix: 'ask only for addresses the Gateway\'s Service can be given (see the message), or remove them' };
    case 'Pending':
      return {
        code: reason,
        message,
        fix: `check the Gateway's Envoy pods: kubectl get pods -n ${namespaceOf(gateway)} -l gateway.networking.k8s.io/gateway-name=${gateway.metadata.name}`,
      };
    default:
      return { code: 'NotProgrammed', field: 'spec.listeners', message, fix: 'fix the listeners (see the Listener findings below): at least one must be programmable' };
  }
}
