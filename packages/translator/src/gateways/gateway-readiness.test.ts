/**
 * The `gatewayReadiness` option: a Gateway whose managed Envoys have no ready replica is not
 * Programmed (Pending, with how many are ready of how many wanted), though its addresses are already
 * reported; one ready replica is enough. Goldens translate without options, so the cases live here.
 */
import { ResourceSet, type KubeObject } from '@portico/resources';
import type { GatewayReadiness, TranslateOptions } from '../options.js';
import { translate } from '../translate.js';

const now = new Date('2026-01-01T00:00:00Z');
const GW = 'gateway.networking.k8s.io/v1';
const gatewayClass = { apiVersion: GW, kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.dev/gateway-controller' } } as KubeObject;

function gateway(listeners: object[] = [{ name: 'http', port: 80, protocol: 'HTTP' }]): KubeObject {
  return { apiVersion: GW, kind: 'Gateway', metadata: { name: 'web', namespace: 'apps', generation: 2 }, spec: { gatewayClassName: 'portico', listeners } } as KubeObject;
}

interface GatewayStatusView {
  addresses?: { type: string; value: string }[];
  conditions: { type: string; status: string; reason: string; message: string; observedGeneration?: number }[];
}

function statusOf(options: TranslateOptions, gw = gateway()): GatewayStatusView {
  const result = translate(ResourceSet.from([gatewayClass, gw] as never), { now, ...options });
  return result.statuses.get('Gateway/apps/web')!.status as unknown as GatewayStatusView;
}

const programmed = (status: GatewayStatusView) => status.conditions.find((c) => c.type === 'Programmed')!;
const address = [{ type: 'IPAddress', value: '198.51.100.7' }];
const readiness = (value: GatewayReadiness | undefined) => (gatewayKey: string) => (gatewayKey === 'apps/web' ? value : undefined);

describe('gatewayReadiness', () => {
  it('no ready replica: Programmed=False Pending saying how many are ready of how many wanted; the address is reported already', () => {
    const status = statusOf({ gatewayAddresses: () => address, gatewayReadiness: readiness({ ready: 0, wanted: 2 }) });
    expect(programmed(status)).toMatchObject({
      status: 'False',
      reason: 'Pending',
      message: "waiting for the Gateway's Envoy pods: 0 of 2 replicas ready",
      observedGeneration: 2,
    });
    expect(status.addresses).toEqual(address);
    expect(status.conditions.find((c) => c.type === 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
  });

  it('one ready replica (of any number wanted): Programmed=True as without the option', () => {
    const withReadiness = statusOf({ gatewayAddresses: () => address, gatewayReadiness: readiness({ ready: 1, wanted: 3 }) });
    const without = statusOf({ gatewayAddresses: () => address });
    expect(programmed(withReadiness)).toMatchObject({ status: 'True', reason: 'Programmed' });
    expect(withReadiness).toEqual(without);
  });

  it('undefined (not managed): the status is unchanged', () => {
    expect(statusOf({ gatewayReadiness: readiness(undefined) })).toEqual(statusOf({}));
    expect(programmed(statusOf({ gatewayReadiness: readiness(undefined) }))).toMatchObject({ status: 'True', reason: 'Programmed' });
  });

  it('a missing address is reported before readiness, and an invalid Gateway before both', () => {
    expect(programmed(statusOf({ gatewayAddresses: () => [], gatewayReadiness: readiness({ ready: 0, wanted: 1 }) }))).toMatchObject({ status: 'False', reason: 'AddressNotAssigned' });
    const noListener = statusOf({ gatewayAddresses: () => address, gatewayReadiness: readiness({ ready: 0, wanted: 1 }) }, gateway([{ name: 'x', port: 80, protocol: 'Unknown' }]));
    expect(programmed(noListener).reason).not.toBe('Pending');
    expect(programmed(noListener).status).toBe('False');
  });
});
