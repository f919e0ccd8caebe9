/**
 * GatewayStaticAddresses end to end, without the e2e cluster: `portico serve --kubernetes` (the real
 * command, Envoy Services of type LoadBalancer) against a real kube-apiserver, with the e2e cluster's
 * LoadBalancer stub (e2e/cluster/load-balancer-stub.ts) as the load balancer. The steps and the
 * expectations are the upstream conformance test's (conformance/tests/gateway-static-addresses.go,
 * v1.7.0), with the addresses the conformance run passes (e2e/conformance/static-addresses.ts):
 * 1. an address of an unsupported type: Accepted=False UnsupportedAddress;
 * 2. without it, an unusable address (outside the pool) first: Accepted=True, Programmed=False
 *    AddressNotUsable naming it, and the stub's AllocationFailed Event on the Envoy Service;
 * 3. the usable address only: Programmed=True, status.addresses exactly that address, type IPAddress.
 * No pods run here: the Envoy Deployment's status is written as kube-controller-manager would.
 */
import { jest } from '@jest/globals';
import { envoyResourceName } from '@portico/server';
import { startLoadBalancerStub, type LoadBalancerStub } from '../../cluster/load-balancer-stub.js';
import { conformanceStaticAddresses } from '../../conformance/static-addresses.js';
import { describeWithKube, startKubeApiServer, type KubeApiServer } from '../support/kube/kube-apiserver.js';
import { kubeRequest } from '../support/kube/kube-apply.js';
import { getObject, objectPath, pollFor, setDeploymentReplicas, startKubernetesServe } from '../support/kube/kube-serve.js';
import { CONTROLLER_NAME, gatewayClass, GW_API, PORTICO_NAMESPACE } from '../support/kube/kube-serve-objects.js';
import { conditionSummary, type Condition } from '../support/kube/kube-statuses.js';
import type { ServeProcess } from '../support/serve-process.js';

jest.setTimeout(120_000);

const NS = 'gateway-conformance-infra';
const NAME = 'gateway-static-addresses';
const ENVOY_NAME = envoyResourceName(NS, NAME);
const POOL = '10.97.0.0/24';
const { usable: USABLE, unusable: UNUSABLE } = conformanceStaticAddresses(POOL);
const INVALID = { type: 'test/fake-invalid-type', value: 'fake address teehee!' };
const ip = (value: string) => ({ type: 'IPAddress', value });

type GatewayStatus = { addresses?: { type: string; value: string }[]; conditions?: Condition[] };

function staticAddressGateway(addresses: { type: string; value: string }[]) {
  return {
    apiVersion: GW_API,
    kind: 'Gateway',
    metadata: { name: NAME, namespace: NS },
    spec: { gatewayClassName: 'portico', addresses, listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] },
  };
}

describeWithKube('GatewayStaticAddresses: portico serve --kubernetes with a LoadBalancer that honours loadBalancerIP', () => {
  let kube: KubeApiServer;
  let serve: ServeProcess;
  let loadBalancer: LoadBalancerStub | undefined;
  const figures: Record<string, number> = {};
  const stubLog: string[] = [];

  const gatewayPath = objectPath(GW_API, 'Gateway', NS, NAME);
  /** The Gateway's status once it is about its current generation (GatewayMustHaveLatestConditions). */
  const latestStatus = async (): Promise<GatewayStatus | undefined> => {
    const gateway = await getObject(kube, gatewayPath);
    const status = gateway?.status as GatewayStatus | undefined;
    const current = status?.conditions?.length && status.conditions.every((c) => c.observedGeneration === gateway!.metadata.generation);
    return current ? status : undefined;
  };
  const untilConditions = (what: string, expected: Record<string, string>) =>
    pollFor(what, async () => {
      const status = await latestStatus();
      const summary = conditionSummary(status?.conditions);
      return Object.entries(expected).every(([type, value]) => summary[type] === value) ? status : undefined;
    }, 30_000);

  beforeAll(async () => {
    kube = await startKubeApiServer({ namespaces: [NS, PORTICO_NAMESPACE] });
    await kube.installCrds();
    await kube.apply([gatewayClass()]);
    loadBalancer = startLoadBalancerStub(kube.kubeConfig, POOL, (line) => stubLog.push(line));
    // A short wait for the load balancer: the stub refuses at once, and the test should not take 20 s.
    serve = await startKubernetesServe(kube, { extraArgs: ['--envoy-address-wait', '2'] });
    await serve.waitReady(30_000);
  });

  afterAll(async () => {
    loadBalancer?.stop();
    if (serve) await serve.stop('SIGTERM').catch(() => serve.stop('SIGKILL'));
    await kube?.stop();
    console.log(`static addresses figures: ${JSON.stringify(figures)}`);
  });

  it('an unsupported address type, then an unusable address, then the usable one: the statuses the conformance test expects', async () => {
    expect(CONTROLLER_NAME).toBe('portico.dev/gateway-controller');
    await kube.apply([staticAddressGateway([INVALID, ip(UNUSABLE), ip(USABLE)])]);
    const rejected = await untilConditions('Accepted=False UnsupportedAddress', { Accepted: 'False/UnsupportedAddress' });
    expect(rejected.conditions!.find((c) => c.type === 'Accepted')!.message).toBe('address type test/fake-invalid-type is not supported (use IPAddress or Hostname)');
    // Not accepted: no Envoy workload at all.
    expect(await getObject(kube, objectPath('v1', 'Service', NS, ENVOY_NAME))).toBeUndefined();

    let started = Date.now();
    await kube.apply([staticAddressGateway([ip(UNUSABLE), ip(USABLE)])]);
    const notUsable = await untilConditions('Programmed=False AddressNotUsable', { Accepted: 'True/Accepted', Programmed: 'False/AddressNotUsable' });
    figures.addressNotUsableMs = Date.now() - started;
    const message = notUsable.conditions!.find((c) => c.type === 'Programmed')!.message;
    expect(message).toContain(`address ${UNUSABLE} cannot be used: the load balancer has not assigned it to Service ${NS}/${ENVOY_NAME} in 2 s`);
    expect(notUsable.addresses).toBeUndefined();
    const service = await getObject(kube, objectPath('v1', 'Service', NS, ENVOY_NAME));
    expect(service!.spec).toMatchObject({ type: 'LoadBalancer', loadBalancerIP: UNUSABLE });
    const events = await kubeRequest(kube.kubeConfig, 'GET', `/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.name=${ENVOY_NAME}`);
    const reasons = (events.body as { items: { reason: string; message: string }[] }).items.map((e) => `${e.reason}: ${e.message}`);
    expect(reasons).toEqual([`AllocationFailed: Failed to allocate IP for "${NS}/${ENVOY_NAME}": ${UNUSABLE} is not in the pool 10.97.0.1-10.97.0.254`]);

    // The Envoy pod is ready (kube-controller-manager would write this), so only the address keeps it from Programmed.
    await setDeploymentReplicas(kube, NS, ENVOY_NAME, { replicas: 1, available: 1 });
    started = Date.now();
    await kube.apply([staticAddressGateway([ip(USABLE)])]);
    const programmed = await untilConditions('Programmed=True', { Accepted: 'True/Accepted', Programmed: 'True/Programmed' });
    figures.programmedMs = Date.now() - started;
    expect(programmed.addresses).toEqual([{ type: 'IPAddress', value: USABLE }]);
    const assigned = await getObject(kube, objectPath('v1', 'Service', NS, ENVOY_NAME));
    expect(assigned!.spec).toMatchObject({ loadBalancerIP: USABLE });
    expect(assigned!.status).toMatchObject({ loadBalancer: { ingress: [{ ip: USABLE }] } });
    expect(stubLog).toContain(`loadbalancer: ${NS}/${ENVOY_NAME} → ${USABLE}`);
  });
});
