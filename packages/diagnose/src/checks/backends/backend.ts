/**
 * The Backend link: for every route and Ingress a gateway serves, whether each of its backend
 * references reaches a Service port with ready endpoints in a protocol the route speaks. Findings are
 * per route and gateway: the problems of its references, or one OK when it has none.
 */
import type { Check, DiagnoseInput, Finding } from '../../findings.js';
import { backendRefProblems, type BackendProblem } from './backend-ref-problems.js';
import { backendUses, type BackendUse, type RouteLike } from './backend-refs.js';
import { isReferenceAllowed } from '@portico/translator';
import { routesPerGateway } from '../routes/route-usage.js';

const ROUTE_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'Ingress']);

export const checkBackends: Check = (input) => {
  const findings: Finding[] = [];
  for (const [gateway, routes] of routesPerGateway(input)) {
    for (const key of [...routes].sort()) {
      const [kind, namespace, name] = key.split('/') as [string, string, string];
      if (!ROUTE_KINDS.has(kind)) continue;
      const route = input.resources.get(kind as RouteLike['kind'], namespace, name) as RouteLike | undefined;
      if (route) findings.push(...routeFindings(input, gateway, route));
    }
  }
  return findings;
};

function routeFindings(input: DiagnoseInput, gateway: string, route: RouteLike): Finding[] {
  const namespace = route.metadata.namespace ?? 'default';
  const object = { kind: route.kind, namespace, name: route.metadata.name };
  const ir = input.translation.gateways.get(gateway);
  const from = { group: route.kind === 'Ingress' ? 'networking.k8s.io' : 'gateway.networking.k8s.io', kind: route.kind, namespace };
  // References across namespaces without a grant are the ReferenceGrant link's to report.
  const uses = backendUses(route).filter((u) => isReferenceAllowed(input.resources, from, { group: u.group, kind: u.kind, namespace: u.namespace, name: u.name }));
  const problems: BackendProblem[] = [...uses.flatMap((u) => backendRefProblems(input.resources, ir, u)), ...zeroWeightRules(uses)];
  if (problems.length === 0) {
    if (uses.length === 0) return [];
    const services = new Set(uses.map((u) => `${u.namespace}/${u.name}`));
    return [
      {
        level: 'OK',
        link: 'Backend',
        gateway,
        object,
        code: 'BackendsReady',
        message: `${count(uses.length, 'backend reference')} to ${count(services.size, 'Service')} with ready endpoints`,
      },
    ];
  }
  return problems.map((p) => ({ level: p.level, link: 'Backend', gateway, object, field: p.field, code: p.code, message: p.message, ...(p.fix ? { fix: p.fix } : {}) }));
}

/** httproute_types.go BackendRef weight: a rule whose every weight is 0 has nothing to send to (500). */
function zeroWeightRules(uses: readonly BackendUse[]): BackendProblem[] {
  const byRule = new Map<number, BackendUse[]>();
  for (const u of uses) {
    if (u.rule === undefined || u.mirror) continue;
    const list = byRule.get(u.rule);
    if (list) list.push(u);
    else byRule.set(u.rule, [u]);
  }
  const problems: BackendProblem[] = [];
  for (const [rule, list] of byRule) {
    if (!list.every((u) => u.weight === 0)) continue;
    problems.push({
      level: 'WARN',
      code: 'AllBackendWeightsZero',
      field: `spec.rules[${rule}].backendRefs`,
      message: `every backendRef of rule ${rule} has weight 0: ${list[0]!.traffic === 'HTTP' || list[0]!.traffic === 'GRPC' ? 'its requests get 500' : 'its connections are closed'}`,
      fix: 'give at least one backendRef a weight above 0 (the default is 1)',
    });
  }
  return problems;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
