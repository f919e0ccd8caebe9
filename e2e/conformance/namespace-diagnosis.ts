/**
 * What a failed install leaves to look at, read from the API server: each pod's phase, conditions and
 * container states (waiting reasons, restarts, the last termination's message), each Job's conditions,
 * and the namespace's latest events. Appended to the error of a `helm --wait` that timed out, so a red
 * CI run says why the pods never got Ready instead of only "context deadline exceeded".
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeRequest } from '../test/support/kube/kube-apply.js';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  state?: Record<string, { reason?: string; message?: string; exitCode?: number }>;
  lastState?: Record<string, { reason?: string; message?: string; exitCode?: number }>;
}

interface Pod {
  metadata: { name: string };
  status?: { phase?: string; conditions?: Condition[]; containerStatuses?: ContainerStatus[] };
}

interface Event {
  type?: string;
  reason?: string;
  message?: string;
  involvedObject?: { kind?: string; name?: string };
  lastTimestamp?: string;
  eventTime?: string;
}

const conditionText = (c: Condition) => `${c.type}=${c.status}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}`;
const stateText = (state: ContainerStatus['state']) =>
  Object.entries(state ?? {})
    .map(([kind, s]) => `${kind}${s.reason ? ` ${s.reason}` : ''}${s.exitCode !== undefined ? ` exit ${s.exitCode}` : ''}${s.message ? `: ${s.message.trim().slice(-400)}` : ''}`)
    .join(', ');

export async function describeNamespace(kubeConfig: KubeConfig, namespace: string): Promise<string> {
  const lines: string[] = [`namespace ${namespace}:`];
  const list = async <T>(path: string): Promise<T[]> => {
    const response = await kubeRequest(kubeConfig, 'GET', path);
    return response.status === 200 ? ((response.body as { items?: T[] }).items ?? []) : [];
  };
  try {
    for (const pod of await list<Pod>(`/api/v1/namespaces/${namespace}/pods`)) {
      const status = pod.status ?? {};
      lines.push(`  pod ${pod.metadata.name}: ${status.phase ?? 'no phase'}; ${(status.conditions ?? []).map(conditionText).join(', ')}`);
      for (const c of status.containerStatuses ?? []) {
        lines.push(`    container ${c.name}: ready=${c.ready} restarts=${c.restartCount} ${stateText(c.state)}${c.lastState && Object.keys(c.lastState).length ? `; last: ${stateText(c.lastState)}` : ''}`);
      }
    }
    for (const job of await list<{ metadata: { name: string }; status?: { conditions?: Condition[]; failed?: number } }>(`/apis/batch/v1/namespaces/${namespace}/jobs`)) {
      lines.push(`  job ${job.metadata.name}: failed=${job.status?.failed ?? 0} ${(job.status?.conditions ?? []).map(conditionText).join(', ')}`);
    }
    const events = await list<Event>(`/api/v1/namespaces/${namespace}/events`);
    const at = (e: Event) => e.lastTimestamp ?? e.eventTime ?? '';
    for (const e of events.sort((a, b) => at(a).localeCompare(at(b))).slice(-25)) {
      lines.push(`  event ${at(e)} ${e.type ?? ''} ${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''} ${e.reason ?? ''}: ${e.message ?? ''}`);
    }
  } catch (error) {
    lines.push(`  (could not read the namespace: ${(error as Error).message})`);
  }
  return lines.join('\n');
}
