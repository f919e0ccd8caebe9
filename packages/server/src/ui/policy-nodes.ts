/**
 * The policies of the graph (GEP-713 policy attachment): each SecurityPolicy, RateLimitPolicy,
 * AccessLogPolicy, XTelemetryPolicy, BackendPolicy, BackendTLSPolicy and XBackendTrafficPolicy is a node
 * with a `policy` edge to every drawn object its targetRefs name: a Gateway, its listener (a Gateway
 * target's sectionName), a route (a rule name narrows it: the edge's label says which, the graph draws
 * no rules) or a Service (a port name, likewise). Its conditions are those of its `status.ancestors`
 * (one set per Gateway, like a route's per parent).
 *
 * A policy is shown when it has a status of ours, a target the graph draws, or a target that does not
 * exist (a typo is what a reader looks for): it then stands alone, "not attached", with the reason.
 * Policies whose targets all belong to another controller are none of our business.
 *
 * Conditions read as the diagnose checks rate them: a policy that lost a conflict or names a
 * section that does not exist is a warning (its target is served, by the older policy or without
 * one); any other refusal (Invalid, …) is an error, since its target then fails closed or goes without.
 */
import type { DiagnoseInput } from '@portico/diagnose';
import { KINDS, type Condition, type KubeObject, type Kind } from '@portico/resources';
import { statusKey } from '@portico/translator';
import type { ConditionSummary, Health, NodeId, PolicyKind } from '@portico/ui';
import type { GraphAssembly } from './graph-assembly.js';
import { conditionHealth, summarizeConditions, worst } from './graph-health.js';
import { gatewayId, listenerId, objectId, POLICY_KINDS, ROUTE_KINDS, serviceId } from './graph-ids.js';

interface TargetRef {
  group?: string;
  kind: string;
  name: string;
  sectionName?: string;
}

interface AnyPolicy extends KubeObject {
  spec?: { targetRefs?: TargetRef[] } & Record<string, unknown>;
}

interface Ancestor {
  ancestorRef: { namespace?: string; name: string };
  conditions: Condition[];
}

/** Where a targetRef lands in the graph, or why it lands nowhere. */
type Placement = { drawn: true; id: NodeId; label?: string } | { drawn: false; missing: boolean; reason: string };

/** Refusals that leave the target served as before (by an older policy, or without this one). */
const MILD_REASONS = new Set(['Conflicted', 'TargetNotFound']);

/** A policy condition's health: Accepted=False is a warning for a conflict or a missing section, an error otherwise. */
export function policyConditionHealth(condition: ConditionSummary): Health {
  if (condition.type === 'Accepted' && condition.status === 'False' && MILD_REASONS.has(condition.reason)) return 'warning';
  return conditionHealth({ type: condition.type, status: condition.status });
}

export function addPolicyNodes(graph: GraphAssembly, input: DiagnoseInput): void {
  for (const kind of POLICY_KINDS) {
    for (const policy of input.resources.list(kind) as AnyPolicy[]) addPolicy(graph, input, kind, policy);
  }
}

function addPolicy(graph: GraphAssembly, input: DiagnoseInput, kind: PolicyKind, policy: AnyPolicy): void {
  const namespace = policy.metadata.namespace ?? 'default';
  const name = policy.metadata.name;
  const own = input.translation.statuses.get(statusKey(kind, namespace, name)) as { status: { ancestors?: Ancestor[] } } | undefined;
  const ancestors = own?.status.ancestors ?? [];
  const refs = policy.spec?.targetRefs ?? [];
  const placements = refs.map((ref) => placeTarget(graph, input, namespace, ref));
  const drawn = placements.filter((p): p is Extract<Placement, { drawn: true }> => p.drawn);
  const unplaced = placements.filter((p): p is Extract<Placement, { drawn: false }> => !p.drawn);
  if (ancestors.length === 0 && drawn.length === 0 && !unplaced.some((p) => p.missing)) return;

  const conditions = ancestors.flatMap((a) => summarizeConditions(a.conditions, gatewayId(`${a.ancestorRef.namespace ?? namespace}/${a.ancestorRef.name}`)));
  const conditionsHealth = worst(conditions.map(policyConditionHealth));
  const refusal = conditions.find((c) => c.type === 'Accepted' && c.status === 'False');
  const gateways = new Set(ancestors.map((a) => `${a.ancestorRef.namespace ?? namespace}/${a.ancestorRef.name}`));
  for (const target of drawn) for (const g of graph.gatewaysOf(target.id)) gateways.add(g);

  const id = objectId(kind, namespace, name);
  const attached = drawn.length > 0;
  const settings = Object.keys(policy.spec ?? {}).filter((k) => k !== 'targetRefs').sort();
  const targets = refs.map((r) => `${r.kind} ${namespace}/${r.name}${r.sectionName ? `/${r.sectionName}` : ''}`);
  graph.node({
    id,
    kind,
    namespace,
    name,
    gateways,
    conditions,
    conditionHealth: policyConditionHealth,
    facts: {
      targets: targets.join(', ') || 'none',
      ...(settings.length ? { settings: settings.join(', ') } : {}),
      attached: attached ? 'yes' : `no: ${unplaced.map((p) => p.reason).join('; ') || 'no targetRefs'}`,
    },
    // No target drawn and no status to say more: diagnose rates an unattached policy a warning.
    health: attached ? 'unknown' : 'warning',
    summary: attached ? `${settings.join(', ') || 'no settings'} on ${targets.join(', ')}` : `not attached: ${unplaced.map((p) => p.reason).join('; ') || 'no targetRefs'}`,
  });
  const edgeHealth: Health = refusal ? conditionsHealth : 'ok';
  const why = refusal ? `${refusal.reason}${refusal.message ? `: ${refusal.message}` : ''}` : undefined;
  for (const target of drawn) {
    const label = [target.label, why].filter((l) => l !== undefined).join('; ');
    graph.edge(id, target.id, 'policy', edgeHealth, label === '' ? undefined : label);
  }
}

const GATEWAY_API = 'gateway.networking.k8s.io';

function placeTarget(graph: GraphAssembly, input: DiagnoseInput, namespace: string, ref: TargetRef): Placement {
  const described = `${ref.kind} ${namespace}/${ref.name}`;
  const exists = (kind: string) => kind in KINDS && input.resources.get(kind as Kind, namespace, ref.name) !== undefined;
  const elsewhere = (kind: string): Placement =>
    exists(kind) ? { drawn: false, missing: false, reason: `${described} is not served by any Gateway of ours` } : { drawn: false, missing: true, reason: `${described} does not exist` };
  const group = ref.group ?? '';
  if (group === GATEWAY_API && ref.kind === 'Gateway') {
    const gateway = gatewayId(`${namespace}/${ref.name}`);
    if (!graph.has(gateway)) return elsewhere('Gateway');
    if (ref.sectionName === undefined) return { drawn: true, id: gateway };
    const listener = listenerId(namespace, ref.name, ref.sectionName);
    return graph.has(listener) ? { drawn: true, id: listener } : { drawn: true, id: gateway, label: `listener ${ref.sectionName} (not a listener of the Gateway)` };
  }
  if (group === GATEWAY_API && (ROUTE_KINDS as readonly string[]).includes(ref.kind)) {
    const route = objectId(ref.kind, namespace, ref.name);
    if (!graph.has(route)) return elsewhere(ref.kind);
    return { drawn: true, id: route, ...(ref.sectionName ? { label: `rule ${ref.sectionName}` } : {}) };
  }
  if (group === '' && ref.kind === 'Service') {
    const service = serviceId(namespace, ref.name);
    if (!graph.has(service)) return elsewhere('Service');
    return { drawn: true, id: service, ...(ref.sectionName ? { label: `port ${ref.sectionName}` } : {}) };
  }
  return exists(ref.kind) ? elsewhere(ref.kind) : { drawn: false, missing: true, reason: `${group || 'core'}/${described} is not a kind this policy can target` };
}
