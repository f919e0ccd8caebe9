/**
 * The LoadBalancer stub (what cloud-provider-kind is in kind clusters): every Service of type
 * LoadBalancer gets one address from the harness's loadBalancerCidr in status.loadBalancer.ingress.
 * kube-proxy then programs that address like a ClusterIP, and cluster.ts routes the range onto the
 * bridge, so the address is reachable from the host. Addresses are kept per Service while it exists
 * and handed out lowest-free-first; a Service that is no longer a LoadBalancer has its status cleared.
 * A Service that asks for an address (spec.loadBalancerIP) gets it when it lies in the pool and no
 * other Service holds it; otherwise it is refused as MetalLB refuses it: the Service keeps no address,
 * and a Warning Event (reason AllocationFailed) on it says why. (GatewayStaticAddresses relies on both.)
 */
import { Watch, type KubeConfig, type V1Service } from '@kubernetes/client-node';
import { kubeRequest } from '../test/support/kube/kube-apply.js';

function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** The usable addresses of an IPv4 CIDR (no network or broadcast address). */
export function cidrAddresses(cidr: string): string[] {
  const [base, bits] = cidr.split('/') as [string, string];
  const size = 2 ** (32 - Number(bits));
  const first = ipToNumber(base) - (ipToNumber(base) % size);
  return Array.from({ length: size - 2 }, (_, i) => numberToIp(first + 1 + i));
}

export interface LoadBalancerStub {
  stop(): void;
}

/** What the stub does with one Service: give it an address, clear the one it holds, refuse its request, or nothing. */
export type LoadBalancerDecision =
  | { action: 'assign'; ip: string }
  | { action: 'clear' }
  | { action: 'refuse'; ip: string; reason: string; clear: boolean }
  | { action: 'none' };

export interface LoadBalancerServiceView {
  type?: string;
  /** spec.loadBalancerIP: the address the Service asks for. */
  requested?: string;
  /** The address it holds now (status.loadBalancer.ingress[0].ip). */
  assigned?: string;
}

/** `holders`: the addresses other Services hold, with who holds them. */
export function loadBalancerDecision(service: LoadBalancerServiceView, pool: readonly string[], holders: ReadonlyMap<string, string>): LoadBalancerDecision {
  const inPool = (ip: string | undefined) => ip !== undefined && pool.includes(ip);
  if (service.type !== 'LoadBalancer') return inPool(service.assigned) ? { action: 'clear' } : { action: 'none' };
  const { requested, assigned } = service;
  if (requested) {
    if (assigned === requested) return { action: 'none' };
    const holder = holders.get(requested);
    const reason = !inPool(requested) ? `${requested} is not in the pool ${pool[0]}-${pool.at(-1)}` : holder ? `${requested} is held by Service ${holder}` : undefined;
    if (reason) return { action: 'refuse', ip: requested, reason, clear: inPool(assigned) };
    return { action: 'assign', ip: requested };
  }
  if (assigned) return { action: 'none' };
  const free = pool.find((candidate) => !holders.has(candidate));
  return free ? { action: 'assign', ip: free } : { action: 'refuse', ip: '', reason: `no free address in ${pool[0]}-${pool.at(-1)}`, clear: false };
}

const RETRY_MS = 1_000;

export function startLoadBalancerStub(kubeConfig: KubeConfig, loadBalancerCidr: string, log: (line: string) => void = () => {}): LoadBalancerStub {
  const pool = cidrAddresses(loadBalancerCidr);
  const services = new Map<string, V1Service>();
  let stopped = false;
  let abort: (() => void) | undefined;
  let queue = Promise.resolve();

  const key = (svc: V1Service) => `${svc.metadata!.namespace}/${svc.metadata!.name}`;
  const assigned = (svc: V1Service) => svc.status?.loadBalancer?.ingress?.[0]?.ip;

  const writeStatus = async (svc: V1Service, ingress: { ip: string }[]) => {
    const path = `/api/v1/namespaces/${svc.metadata!.namespace}/services/${svc.metadata!.name}/status`;
    const response = await kubeRequest(kubeConfig, 'PATCH', path, { status: { loadBalancer: { ingress } } }, 'application/merge-patch+json');
    // 404: deleted meanwhile; anything else is retried by the next list.
    if (response.status >= 300 && response.status !== 404) throw new Error(`PATCH ${path}: ${response.status} ${JSON.stringify(response.body)}`);
  };

  /** Refusals already told (Service key → address), so that each gets one Event. */
  const refused = new Map<string, string>();

  const warn = async (svc: V1Service, reason: string) => {
    const namespace = svc.metadata!.namespace!;
    const now = new Date().toISOString();
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { namespace, generateName: `${svc.metadata!.name}.` },
      involvedObject: { apiVersion: 'v1', kind: 'Service', namespace, name: svc.metadata!.name, uid: svc.metadata!.uid },
      type: 'Warning',
      reason: 'AllocationFailed',
      message: `Failed to allocate IP for "${key(svc)}": ${reason}`,
      source: { component: 'portico-e2e-loadbalancer' },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    const response = await kubeRequest(kubeConfig, 'POST', `/api/v1/namespaces/${namespace}/events`, event);
    if (response.status >= 300) log(`loadbalancer: event for ${key(svc)}: ${response.status}`);
  };

  const reconcile = async (svc: V1Service) => {
    const holders = new Map<string, string>();
    for (const [other, service] of services) {
      const ip = assigned(service);
      if (other !== key(svc) && ip) holders.set(ip, other);
    }
    const decision = loadBalancerDecision({ type: svc.spec?.type, requested: svc.spec?.loadBalancerIP || undefined, assigned: assigned(svc) }, pool, holders);
    if (decision.action !== 'refuse') refused.delete(key(svc));
    switch (decision.action) {
      case 'assign':
        // Recorded before the write so a second Service in the same batch does not take it too.
        services.set(key(svc), { ...svc, status: { loadBalancer: { ingress: [{ ip: decision.ip }] } } });
        await writeStatus(svc, [{ ip: decision.ip }]);
        log(`loadbalancer: ${key(svc)} → ${decision.ip}`);
        return;
      case 'clear':
        await writeStatus(svc, []);
        return;
      case 'refuse':
        if (decision.clear) {
          services.set(key(svc), { ...svc, status: { loadBalancer: {} } });
          await writeStatus(svc, []);
        }
        if (refused.get(key(svc)) === decision.ip) return;
        refused.set(key(svc), decision.ip);
        log(`loadbalancer: ${key(svc)}: ${decision.reason}`);
        await warn(svc, decision.reason);
        return;
      case 'none':
        return;
    }
  };

  const enqueue = (work: () => Promise<void>) => {
    queue = queue.then(work).catch((error: unknown) => log(`loadbalancer: ${String(error)}`));
  };

  const listAndWatch = async (): Promise<void> => {
    if (stopped) return;
    try {
      const response = await kubeRequest(kubeConfig, 'GET', '/api/v1/services');
      if (response.status !== 200) throw new Error(`list services: ${response.status}`);
      const list = response.body as { items: V1Service[]; metadata: { resourceVersion: string } };
      services.clear();
      for (const svc of list.items) services.set(key(svc), svc);
      for (const svc of list.items) enqueue(() => reconcile(svc));
      const request = await new Watch(kubeConfig).watch(
        '/api/v1/services',
        { resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: true },
        (type: string, svc: V1Service) => {
          if (type === 'BOOKMARK' || type === 'ERROR') return;
          if (type === 'DELETED') {
            services.delete(key(svc));
            refused.delete(key(svc));
          }
          else {
            services.set(key(svc), svc);
            enqueue(() => reconcile(svc));
          }
        },
        // The watch ended (timeout, API server restart, error): list again and resume.
        () => {
          if (!stopped) setTimeout(() => void listAndWatch(), RETRY_MS).unref();
        },
      );
      abort = () => request.abort();
    } catch (error) {
      log(`loadbalancer: ${String(error)}`);
      if (!stopped) setTimeout(() => void listAndWatch(), RETRY_MS).unref();
    }
  };
  void listAndWatch();

  return {
    stop() {
      stopped = true;
      abort?.();
    },
  };
}
