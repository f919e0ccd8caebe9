/**
 * The LoadBalancer stub (what cloud-provider-kind is in kind clusters): every Service of type
 * LoadBalancer gets one address from the harness's loadBalancerCidr in status.loadBalancer.ingress.
 * kube-proxy then programs that address like a ClusterIP, and cluster.ts routes the range onto the
 * bridge, so the address is reachable from the host. Addresses are kept per Service while it exists
 * and handed out lowest-free-first; a Service that is no longer a LoadBalancer has its status cleared.
 */
import { Watch, type KubeConfig, type V1Service } from '@kubernetes/client-node';
import { kubeRequest } from '../test/support/kube-apply.js';

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

  const reconcile = async (svc: V1Service) => {
    const isLoadBalancer = svc.spec?.type === 'LoadBalancer';
    const ip = assigned(svc);
    if (isLoadBalancer && !ip) {
      const used = new Set([...services.values()].map(assigned).filter((a): a is string => a !== undefined));
      const free = pool.find((candidate) => !used.has(candidate));
      if (!free) return log(`loadbalancer: no free address in ${loadBalancerCidr} for ${key(svc)}`);
      // Recorded before the write so a second Service in the same batch does not take it too.
      services.set(key(svc), { ...svc, status: { loadBalancer: { ingress: [{ ip: free }] } } });
      await writeStatus(svc, [{ ip: free }]);
      log(`loadbalancer: ${key(svc)} → ${free}`);
    } else if (!isLoadBalancer && ip && pool.includes(ip)) {
      await writeStatus(svc, []);
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
          if (type === 'DELETED') services.delete(key(svc));
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
