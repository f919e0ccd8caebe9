import { serverNames } from './names.js';

describe('serverNames', () => {
  it('lists every name a pod resolves the Service by, then the extras, without duplicates', () => {
    expect(serverNames({ namespace: 'portico-system', extraNames: ['xds.example.com', 'portico', '10.0.0.9', '::1'] })).toEqual({
      dnsNames: ['portico', 'portico.portico-system', 'portico.portico-system.svc', 'portico.portico-system.svc.cluster.local', 'xds.example.com'],
      ipAddresses: ['10.0.0.9', '::1'],
    });
  });

  it('takes the Service name and cluster domain; without a namespace only the bare name', () => {
    expect(serverNames({ service: 'cp', namespace: 'ns', clusterDomain: 'corp.internal' }).dnsNames).toEqual(['cp', 'cp.ns', 'cp.ns.svc', 'cp.ns.svc.corp.internal']);
    expect(serverNames()).toEqual({ dnsNames: ['portico'], ipAddresses: [] });
  });
});
