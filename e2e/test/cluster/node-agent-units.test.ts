/** The node agent's pure parts: Kubernetes command/args semantics, the image table, pod CIDR addresses, pod phase. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { containerArgv, expandVariables } from '../../cluster/node-agent/containers/command-args.js';
import { defaultImageTable, resolveImage } from '../../cluster/node-agent/containers/images.js';
import { cidrContains, parsePodCidr } from '../../cluster/node-agent/pods/pod-cidr.js';
import { buildPodStatus } from '../../cluster/node-agent/pods/pod-status.js';
import { initialStatus } from '../../cluster/node-agent/containers/container-status.js';

const envoyImage = { pattern: 'envoyproxy/envoy:*', entrypoint: ['/bin/envoy'], cmd: ['-c', '/etc/envoy/envoy.yaml'], programs: { envoy: '/bin/envoy' } };

describe('container argv (Kubernetes command/args against the image)', () => {
  const env = new Map([['NAME', 'web']]);
  it('uses ENTRYPOINT + CMD when the pod gives neither', () => {
    expect(containerArgv(envoyImage, undefined, undefined, env)).toEqual(['/bin/envoy', '-c', '/etc/envoy/envoy.yaml']);
  });
  it('replaces CMD with args, keeping ENTRYPOINT', () => {
    expect(containerArgv(envoyImage, undefined, ['--version'], env)).toEqual(['/bin/envoy', '--version']);
  });
  it('replaces both with command (+ args), mapping the image program to its local binary', () => {
    expect(containerArgv(envoyImage, ['envoy'], ['-c', 'x.yaml'], env)).toEqual(['/bin/envoy', '-c', 'x.yaml']);
    expect(containerArgv(envoyImage, ['sh', '-c'], undefined, env)).toEqual(['sh', '-c']);
  });
  it('expands $(VAR), keeps unknown references and unescapes $$', () => {
    expect(expandVariables('a-$(NAME)-$(MISSING)-$$(NAME)-$x', env)).toBe('a-web-$(MISSING)-$(NAME)-$x');
  });
});

describe('image table', () => {
  const table = defaultImageTable({ envoy: '/bin/envoy', echoBasic: '/bin/echo-basic', node: '/bin/node' });
  it('maps the images the e2e cluster runs', () => {
    expect(resolveImage(table, 'envoyproxy/envoy:v1.40.0')).toMatchObject({ ok: true, entry: { entrypoint: ['/bin/envoy'] } });
    expect(resolveImage(table, 'registry.k8s.io/gateway-api/conformance/echo-basic:v0.1.0')).toMatchObject({ ok: true, entry: { entrypoint: ['/bin/echo-basic'] } });
    expect(resolveImage(table, 'portico:dev')).toMatchObject({ ok: true, entry: { cmd: expect.arrayContaining(['serve']) } });
    // The Portico image runs this checkout's CLI: a path that exists, whether this file runs from source or compiled.
    const portico = resolveImage(table, 'portico:0.1.0');
    if (!portico.ok) throw new Error(portico.message);
    expect(existsSync(portico.entry.entrypoint[1]!)).toBe(true);
    expect(existsSync(join(portico.entry.workingDir!, 'package-lock.json'))).toBe(true);
    // Its Node stays visible over the pod's volumes (an emptyDir on /tmp hides a Node under /tmp).
    expect(portico.entry.imagePaths).toEqual([portico.entry.workingDir, '/bin']);
  });
  it('refuses anything else with ErrImagePull, naming the image', () => {
    expect(resolveImage(table, 'registry.k8s.io/gateway-api/conformance/echo-basic:v9.9.9')).toMatchObject({ ok: false, reason: 'ErrImagePull' });
    expect(resolveImage(table, 'nginx')).toMatchObject({ ok: false, reason: 'ErrImagePull', message: expect.stringContaining('"nginx"') });
    expect(resolveImage(defaultImageTable({}), 'envoyproxy/envoy:v1.40.0')).toMatchObject({ ok: false, reason: 'ErrImagePull', message: expect.stringContaining('ENVOY_BIN is not set') });
    expect(resolveImage(defaultImageTable({}), 'registry.k8s.io/gateway-api/conformance/echo-basic:v0.1.0')).toMatchObject({ ok: false, message: expect.stringContaining('ECHO_BASIC_BIN') });
  });
});

describe('pod CIDR', () => {
  it('hands out a released address again only after the others (round robin, as host-local IPAM): no stale ARP entry meets a new pod', () => {
    const cidr = parsePodCidr('10.1.2.0/28', '10.1.2.1');
    expect(cidr.allocate('a')).toBe('10.1.2.2');
    cidr.release('a');
    // Not 10.1.2.2 again at once: the bridge and other pods may still map it to a's gone MAC.
    expect(cidr.allocate('b')).toBe('10.1.2.3');
    cidr.release('b');
    const rest = Array.from({ length: 13 }, (_, i) => cidr.allocate(`n${i}`));
    expect(rest[0]).toBe('10.1.2.4');
    // Wrapped around past the broadcast address, skipping the bridge's.
    expect(rest.slice(-2)).toEqual(['10.1.2.2', '10.1.2.3']);
  });

  it('hands out addresses around the bridge, reuses released ones, and says when full', () => {
    const cidr = parsePodCidr('10.1.2.0/29', '10.1.2.1');
    expect(cidr.gateway).toBe('10.1.2.1');
    const ips = ['a', 'b', 'c', 'd', 'e'].map((owner) => cidr.allocate(owner));
    expect(ips).toEqual(['10.1.2.2', '10.1.2.3', '10.1.2.4', '10.1.2.5', '10.1.2.6']);
    expect(cidr.allocate('a')).toBe('10.1.2.2');
    expect(() => cidr.allocate('f')).toThrow(/full/);
    cidr.release('c');
    expect(cidr.allocate('f')).toBe('10.1.2.4');
    expect(cidrContains('10.1.2.0/29', '10.1.2.7')).toBe(true);
    expect(cidrContains('10.1.2.0/29', '10.1.2.8')).toBe(false);
  });
});

describe('pod status', () => {
  const pod = (restartPolicy: string) => ({ metadata: { name: 'p' }, spec: { restartPolicy, containers: [{ name: 'c', image: 'i' }] } });
  const terminated = (exitCode: number) => ({ ...initialStatus({ name: 'c', image: 'i' }), state: { terminated: { exitCode, reason: 'x', finishedAt: 't' } } });
  const status = (restartPolicy: string, exitCode: number) =>
    buildPodStatus({ pod: pod(restartPolicy), hostIP: 'h', podIP: 'p', startTime: 't', initialized: true, initFailed: false, initContainers: [], containers: [terminated(exitCode)] });
  it('derives the phase from the containers and the restart policy', () => {
    expect(status('Never', 0).phase).toBe('Succeeded');
    expect(status('Never', 1).phase).toBe('Failed');
    expect(status('OnFailure', 1).phase).toBe('Running');
    expect(status('Always', 0).phase).toBe('Running');
  });
  it('is Pending while a container has not run yet, and not Ready', () => {
    const s = buildPodStatus({ pod: pod('Always'), hostIP: 'h', startTime: 't', initialized: true, initFailed: false, initContainers: [], containers: [initialStatus({ name: 'c', image: 'i' })] });
    expect(s.phase).toBe('Pending');
    expect(s.conditions.find((c: any) => c.type === 'Ready').status).toBe('False');
  });
});
