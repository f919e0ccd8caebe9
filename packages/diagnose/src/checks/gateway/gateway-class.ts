/**
 * GatewayClass link: is the class a Gateway names there, is it ours (its controllerName), and did we
 * accept it. A class finding is shown in the block of every Gateway that uses it (that is where a user
 * looks), and class-wide for a class no Gateway uses.
 */
import type { GatewayClass } from '@portico/resources';
import type { Check, DiagnoseInput, Finding } from '../../findings.js';
import { condition, keyOf, refOf, statusOf } from '../chain-objects.js';

export const gatewayClassCheck: Check = (input) => {
  const findings: Finding[] = [];
  const gateways = input.resources.list('Gateway');
  for (const gc of input.resources.list('GatewayClass')) {
    const verdict = classVerdict(input, gc);
    if (!verdict) continue;
    const users = gateways.filter((g) => g.spec?.gatewayClassName === gc.metadata.name).map(keyOf);
    for (const gateway of users.length > 0 ? users : [undefined]) findings.push({ ...verdict, ...(gateway ? { gateway } : {}) });
  }
  for (const g of gateways) {
    const className = g.spec?.gatewayClassName;
    const gc = input.resources.get('GatewayClass', undefined, className);
    if (gc && statusOf(input, 'GatewayClass', undefined, className)) continue;
    findings.push(gc ? notOurs(input, gc, keyOf(g)) : classNotFound(input, className, keyOf(g)));
  }
  return findings;
};

/** The finding for one of our classes; undefined for a class that is not ours (reported per Gateway). */
function classVerdict(input: DiagnoseInput, gc: GatewayClass): Omit<Finding, 'gateway'> | undefined {
  const status = statusOf(input, 'GatewayClass', undefined, gc.metadata.name);
  if (!status) return undefined;
  const accepted = condition(status.conditions, 'Accepted');
  const base = { link: 'GatewayClass' as const, object: refOf(gc) };
  if (accepted?.status === 'True') {
    return { ...base, level: 'OK', code: 'Accepted', message: `GatewayClass ${gc.metadata.name} is accepted (controllerName ${gc.spec.controllerName})` };
  }
  const reason = accepted?.reason ?? 'NotAccepted';
  const parameters = reason === 'InvalidParameters';
  return {
    ...base,
    level: 'FAIL',
    ...(parameters ? { field: 'spec.parametersRef' } : {}),
    code: reason,
    message: `GatewayClass ${gc.metadata.name} is not accepted, so none of its Gateways is served: ${accepted?.message ?? 'no Accepted condition'}`,
    fix: parameters ? 'remove spec.parametersRef: Portico takes no parameters object' : 'report this to the Portico maintainers with the input (the translator failed on this class)',
  };
}

function notOurs(input: DiagnoseInput, gc: GatewayClass, gateway: string): Finding {
  const ours = input.controllerName ? ` (Portico acts for ${input.controllerName})` : '';
  return {
    level: 'WARN',
    link: 'GatewayClass',
    gateway,
    object: refOf(gc),
    field: 'spec.controllerName',
    code: 'GatewayClassNotOurs',
    message: `Gateway ${gateway} uses GatewayClass ${gc.metadata.name}, whose controllerName is ${gc.spec?.controllerName ?? '(none)'}${ours}: Portico does not serve this Gateway`,
    fix: `if Portico should serve it, set spec.gatewayClassName of Gateway ${gateway} to a GatewayClass of ours${ourClassList(input)}`,
  };
}

function classNotFound(input: DiagnoseInput, className: string | undefined, gateway: string): Finding {
  const [namespace, name] = gateway.split('/') as [string, string];
  return {
    level: 'FAIL',
    link: 'GatewayClass',
    gateway,
    object: { kind: 'Gateway', namespace, name },
    field: 'spec.gatewayClassName',
    code: 'GatewayClassNotFound',
    message: `GatewayClass ${className ?? '(none)'} does not exist, so no controller serves Gateway ${gateway}`,
    fix:
      ourClassList(input) !== ''
        ? `set spec.gatewayClassName to a GatewayClass of ours${ourClassList(input)}`
        : [
            'create the GatewayClass:',
            'apiVersion: gateway.networking.k8s.io/v1',
            'kind: GatewayClass',
            'metadata:',
            `  name: ${className ?? 'portico'}`,
            'spec:',
            `  controllerName: ${input.controllerName ?? 'portico.dev/gateway-controller'}`,
          ].join('\n'),
  };
}

/** `: a, b` — the classes Portico accepted — or nothing when there is none. */
function ourClassList(input: DiagnoseInput): string {
  const names = input.resources
    .list('GatewayClass')
    .filter((gc) => condition(statusOf(input, 'GatewayClass', undefined, gc.metadata.name)?.conditions, 'Accepted')?.status === 'True')
    .map((gc) => gc.metadata.name)
    .sort();
  return names.length > 0 ? ` (${names.join(', ')})` : '';
}
