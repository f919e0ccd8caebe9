import { buildEnvoyManifests } from './envoy-manifests.js';
import { preStopScript } from './envoy-deployment.js';
import { gateway, irWith } from './infrastructure-fixtures.test-util.js';

const XDS = 'portico.portico-system.svc:18000';
const NAME = 'envoy-apps-demo-98ab5824';

describe('buildEnvoyManifests', () => {
  const manifests = buildEnvoyManifests(
    gateway({ infrastructure: { labels: { team: 'edge' }, annotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' } } }),
    irWith(['HTTP-80', 'TLS-443', 'UDP-53']),
    { xdsAddress: XDS, tlsSecretName: 'portico-envoy-client' },
  );
  const metadata = manifests.serviceAccount.metadata!;

  it('names, labels and owns every object the same way', () => {
    expect(metadata).toEqual({
      name: NAME,
      namespace: 'apps',
      labels: {
        'app.kubernetes.io/component': 'proxy',
        'app.kubernetes.io/instance': NAME,
        'app.kubernetes.io/managed-by': 'portico',
        'app.kubernetes.io/name': 'envoy',
        'gateway.networking.k8s.io/gateway-name': 'demo',
        'portico.dev/gateway-namespace': 'apps',
        team: 'edge',
      },
      annotations: { 'portico.dev/gateway': 'apps/demo', 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' },
      ownerReferences: [
        {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'Gateway',
          name: 'demo',
          uid: '0b4f6c1e-2f6a-4c55-9d1e-7a3b5c9d0e11',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
    expect(manifests.gatewayKey).toBe('apps/demo');
    for (const object of [manifests.configMap, manifests.deployment, manifests.service!]) expect(object.metadata).toEqual(metadata);
  });

  it('a ServiceAccount without an API token', () => {
    expect(manifests.serviceAccount).toEqual({ apiVersion: 'v1', kind: 'ServiceAccount', metadata, automountServiceAccountToken: false });
  });

  it('a Service with one port per (port, protocol), source IPs kept', () => {
    expect(manifests.service).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: {
        type: 'LoadBalancer',
        selector: { 'app.kubernetes.io/instance': NAME, 'app.kubernetes.io/managed-by': 'portico', 'app.kubernetes.io/name': 'envoy' },
        ports: [
          { name: 'udp-53', protocol: 'UDP', port: 53, targetPort: 53 },
          { name: 'http-80', protocol: 'TCP', port: 80, targetPort: 80 },
          { name: 'tls-443', protocol: 'TCP', port: 443, targetPort: 443 },
        ],
        externalTrafficPolicy: 'Local',
      },
    });
  });

  it('a bootstrap naming the gateway, mTLS to xDS from the mounted Secret, readiness on 19003', () => {
    const bootstrap = JSON.parse(manifests.configMap.data!['bootstrap.json']!);
    expect(bootstrap.node).toEqual({ id: 'envoy-apps-demo', cluster: 'apps/demo' });
    expect(bootstrap.admin.address).toEqual({ socketAddress: { address: '127.0.0.1', portValue: 19001 } });
    const [xds, admin] = bootstrap.staticResources.clusters;
    expect(xds.loadAssignment.endpoints[0].lbEndpoints[0].endpoint.address).toEqual({ socketAddress: { address: 'portico.portico-system.svc', portValue: 18000 } });
    expect(xds.transportSocket.typedConfig.commonTlsContext.tlsCertificates).toEqual([
      { certificateChain: { filename: '/etc/portico/xds-tls/tls.crt' }, privateKey: { filename: '/etc/portico/xds-tls/tls.key' } },
    ]);
    expect(xds.transportSocket.typedConfig.commonTlsContext.validationContext).toEqual({ trustedCa: { filename: '/etc/portico/xds-tls/ca.crt' } });
    expect(admin.loadAssignment.endpoints[0].lbEndpoints[0].endpoint.address).toEqual({ socketAddress: { address: '127.0.0.1', portValue: 19001 } });
    const [readiness] = bootstrap.staticResources.listeners;
    expect(readiness.address).toEqual({ socketAddress: { address: '0.0.0.0', portValue: 19003 } });
    const routes = readiness.filterChains[0].filters[0].typedConfig.routeConfig.virtualHosts[0].routes;
    expect(routes.map((r: { match: { path: string } }) => r.match.path)).toEqual(['/ready', '/stats/prometheus']);
    expect(routes[0]).toEqual({
      match: { path: '/ready', headers: [{ name: ':method', stringMatch: { exact: 'GET' } }] },
      route: { cluster: 'portico-admin' },
    });
  });

  it('a Deployment: non-root, read-only, drained on shutdown, rolled when the bootstrap changes', () => {
    const { spec } = manifests.deployment;
    expect(spec!.selector).toEqual({ matchLabels: manifests.service!.spec!.selector });
    expect(spec!.replicas).toBe(1);
    expect(spec!.template.metadata!.labels).toEqual(metadata.labels);
    // Prometheus scrapes each pod's readiness listener, which serves Envoy's /stats/prometheus.
    expect(spec!.template.metadata!.annotations).toEqual({
      'portico.dev/bootstrap-checksum': expect.stringMatching(/^[0-9a-f]{16}$/),
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '19003',
      'prometheus.io/path': '/stats/prometheus',
      'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
    });
    const pod = spec!.template.spec!;
    expect(pod.serviceAccountName).toBe(NAME);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.terminationGracePeriodSeconds).toBe(90);
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      fsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
      sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }],
    });
    const [envoy] = pod.containers;
    expect(envoy!.image).toBe('envoyproxy/envoy:v1.40.0');
    expect(envoy!.command).toEqual(['envoy']);
    expect(envoy!.args).toEqual([
      '--config-path', '/etc/portico/bootstrap/bootstrap.json',
      '--service-node', '$(POD_NAME)',
      '--log-level', 'info',
      '--drain-time-s', '60',
      '--drain-strategy', 'gradual',
      '--disable-hot-restart',
    ]);
    expect(envoy!.readinessProbe!.httpGet).toEqual({ path: '/ready', port: 19003, scheme: 'HTTP' });
    expect(envoy!.livenessProbe).toBeUndefined();
    expect(envoy!.lifecycle!.preStop!.exec!.command).toEqual(['bash', '-c', preStopScript({ adminPort: 19001, drainSeconds: 60 })]);
    expect(envoy!.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' } });
    expect(envoy!.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(envoy!.volumeMounts).toEqual([
      { name: 'bootstrap', mountPath: '/etc/portico/bootstrap', readOnly: true },
      { name: 'xds-tls', mountPath: '/etc/portico/xds-tls', readOnly: true },
    ]);
    expect(pod.volumes).toEqual([
      { name: 'bootstrap', configMap: { name: NAME, defaultMode: 0o444 } },
      { name: 'xds-tls', secret: { secretName: 'portico-envoy-client', defaultMode: 0o440 } },
    ]);
  });

  it('the preStop hook fails the health check, drains through the loopback admin API, then waits', () => {
    expect(preStopScript({ adminPort: 19001, drainSeconds: 60 })).toBe(
      "post() { exec 3<>/dev/tcp/127.0.0.1/19001 && printf 'POST %s HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n' \"$1\" >&3 && read -r -t 5 status <&3; exec 3>&-; }; " +
        "(post /healthcheck/fail; post '/drain_listeners?graceful'); sleep 75",
    );
  });

  it('listener changes reach the Service only: running Envoys learn them over xDS', () => {
    const other = buildEnvoyManifests(gateway(), irWith(['HTTP-8080']), { xdsAddress: XDS, tlsSecretName: 'portico-envoy-client' });
    const first = buildEnvoyManifests(gateway(), irWith(['HTTP-80', 'TLS-443', 'UDP-53']), { xdsAddress: XDS, tlsSecretName: 'portico-envoy-client' });
    expect(other.service!.spec!.ports).toEqual([{ name: 'http-8080', protocol: 'TCP', port: 8080, targetPort: 8080 }]);
    expect(other.configMap).toEqual(first.configMap);
    expect(other.deployment).toEqual(first.deployment);
  });

  it('a bootstrap change rolls the pods (checksum), e.g. a memory limit that sizes the heap ceiling', () => {
    const checksum = (m: ReturnType<typeof buildEnvoyManifests>) => m.deployment.spec!.template.metadata!.annotations!['portico.dev/bootstrap-checksum'];
    const plain = buildEnvoyManifests(gateway(), irWith(['HTTP-80']), { xdsAddress: XDS });
    const limited = buildEnvoyManifests(gateway(), irWith(['HTTP-80']), { xdsAddress: XDS, resources: { limits: { memory: '1Gi' } } });
    expect(checksum(plain)).not.toEqual(checksum(limited));
    const heap = JSON.parse(limited.configMap.data!['bootstrap.json']!).overloadManager.resourceMonitors[0].typedConfig.maxHeapSizeBytes;
    expect(heap).toBe(String(Math.floor(2 ** 30 * 0.8)));
    expect(plain.deployment.spec!.template.spec!.volumes).toEqual([{ name: 'bootstrap', configMap: { name: NAME, defaultMode: 0o444 } }]);
    expect(JSON.parse(plain.configMap.data!['bootstrap.json']!).staticResources.clusters[0].transportSocket).toBeUndefined();
  });

  it('in another namespace: no owner references (they cannot cross namespaces), labels only', () => {
    const m = buildEnvoyManifests(gateway(), irWith(['HTTP-80']), { xdsAddress: XDS, namespace: 'portico-system' });
    expect(m.deployment.metadata!.namespace).toBe('portico-system');
    expect(m.deployment.metadata!.ownerReferences).toBeUndefined();
    expect(m.deployment.metadata!.labels!['portico.dev/gateway-namespace']).toBe('apps');
  });

  it('ClusterIP and NodePort Services; options change replicas, image and resources', () => {
    const ir = irWith(['TCP-5432']);
    const clusterIp = buildEnvoyManifests(gateway(), ir, { xdsAddress: XDS, serviceType: 'ClusterIP', replicas: 3, image: 'registry.local/envoy:1' });
    expect(clusterIp.service!.spec).toEqual({
      type: 'ClusterIP',
      selector: expect.any(Object),
      ports: [{ name: 'tcp-5432', protocol: 'TCP', port: 5432, targetPort: 5432 }],
    });
    expect(clusterIp.deployment.spec!.replicas).toBe(3);
    expect(clusterIp.deployment.spec!.template.spec!.containers[0]!.image).toBe('registry.local/envoy:1');
    const nodePort = buildEnvoyManifests(gateway(), ir, { xdsAddress: XDS, serviceType: 'NodePort', externalTrafficPolicy: 'Cluster' });
    expect(nodePort.service!.spec!.externalTrafficPolicy).toBe('Cluster');
  });

  it('no programmed listener: no Service (an existing one keeps its address)', () => {
    expect(buildEnvoyManifests(gateway(), irWith([]), { xdsAddress: XDS }).service).toBeUndefined();
  });

  it('a malformed xDS address is an error, not a broken ConfigMap', () => {
    expect(() => buildEnvoyManifests(gateway(), irWith(['HTTP-80']), { xdsAddress: 'portico' })).toThrow("invalid xDS address 'portico'");
  });
});
