/**
 * The Envoy Deployment of one Gateway. The pod template depends on the bootstrap (through its
 * checksum) and the options, never on the listeners: Envoy learns those over xDS, so adding a
 * listener changes the Service and leaves every running Envoy in place.
 */
import type { V1Deployment, V1PodSpec } from '@kubernetes/client-node';
import { BOOTSTRAP_DIR, BOOTSTRAP_FILE, XDS_TLS_DIR } from './envoy-pod-bootstrap.js';
import { BOOTSTRAP_CHECKSUM_ANNOTATION, CLIENT_CERTIFICATE_CHECKSUM_ANNOTATION, selectorLabels } from './infrastructure-names.js';
import type { ResolvedInfrastructureOptions } from './infrastructure-options.js';
import type { InfrastructureContext } from './infrastructure-context.js';

/** Not root, and not Envoy's image user either: a fixed id that owns nothing in the image. */
const ENVOY_UID = 65532;
/** After the drain, time for Envoy to exit before kubelet kills it. */
const SHUTDOWN_MARGIN_SECONDS = 15;

/** `clientCertificateChecksum`: set when the pods mount the Gateway's own client certificate. */
export function envoyDeployment(context: InfrastructureContext, options: ResolvedInfrastructureOptions, bootstrapChecksum: string, clientCertificateChecksum?: string): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: context.metadata,
    spec: {
      replicas: options.replicas,
      selector: { matchLabels: selectorLabels(context.resourceName) },
      // A new pod is ready before an old one drains: a rollout never lowers capacity.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: context.metadata.labels!,
          annotations: {
            // Scrape each Envoy pod: the readiness listener also serves Envoy's /stats/prometheus
            // (envoy-pod-bootstrap.ts). The Gateway's infrastructure annotations may override these.
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(options.readinessPort),
            'prometheus.io/path': '/stats/prometheus',
            ...context.infrastructureAnnotations,
            [BOOTSTRAP_CHECKSUM_ANNOTATION]: bootstrapChecksum,
            ...(clientCertificateChecksum ? { [CLIENT_CERTIFICATE_CHECKSUM_ANNOTATION]: clientCertificateChecksum } : {}),
          },
        },
        spec: podSpec(context, options),
      },
    },
  };
}

function podSpec(context: InfrastructureContext, options: ResolvedInfrastructureOptions): V1PodSpec {
  const tls = options.tlsSecretName;
  return {
    serviceAccountName: context.resourceName,
    // Envoy never talks to the Kubernetes API: no token in the pod.
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: options.drainSeconds + 2 * SHUTDOWN_MARGIN_SECONDS,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: ENVOY_UID,
      runAsGroup: ENVOY_UID,
      // The mounted Secret's files are group-readable by this group only.
      fsGroup: ENVOY_UID,
      seccompProfile: { type: 'RuntimeDefault' },
      // A "safe" sysctl (namespaced to the pod): a non-root Envoy may bind listener ports below 1024.
      sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }],
    },
    containers: [
      {
        name: 'envoy',
        image: options.image,
        imagePullPolicy: 'IfNotPresent',
        // The image's entrypoint script would switch users; Envoy itself needs none of it.
        command: ['envoy'],
        args: [
          '--config-path', `${BOOTSTRAP_DIR}/${BOOTSTRAP_FILE}`,
          // node.id: the pod name, so /debug/clients tells the replicas apart (node.cluster names the Gateway).
          '--service-node', '$(POD_NAME)',
          '--log-level', options.logLevel,
          '--drain-time-s', String(options.drainSeconds),
          '--drain-strategy', 'gradual',
          // Containers are replaced, never hot-restarted; this also keeps Envoy out of /dev/shm.
          '--disable-hot-restart',
        ],
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
          { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
        ],
        ports: [{ name: 'readiness', containerPort: options.readinessPort, protocol: 'TCP' }],
        // /ready answers 200 once Envoy is initialized (first xDS answers, or their timeout) and 503
        // while draining, so a terminating pod leaves the Service first. No liveness probe: it would
        // kill a draining Envoy, and a broken Envoy exits on its own.
        readinessProbe: {
          httpGet: { path: '/ready', port: options.readinessPort, scheme: 'HTTP' },
          periodSeconds: 5,
          timeoutSeconds: 1,
          successThreshold: 1,
          failureThreshold: 1,
        },
        startupProbe: {
          httpGet: { path: '/ready', port: options.readinessPort, scheme: 'HTTP' },
          periodSeconds: 2,
          timeoutSeconds: 1,
          failureThreshold: 60,
        },
        lifecycle: { preStop: { exec: { command: ['bash', '-c', preStopScript(options)] } } },
        resources: options.resources,
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        },
        volumeMounts: [
          { name: 'bootstrap', mountPath: BOOTSTRAP_DIR, readOnly: true },
          ...(tls ? [{ name: 'xds-tls', mountPath: XDS_TLS_DIR, readOnly: true }] : []),
        ],
      },
    ],
    volumes: [
      { name: 'bootstrap', configMap: { name: context.resourceName, defaultMode: 0o444 } },
      ...(tls ? [{ name: 'xds-tls', secret: { secretName: tls, defaultMode: 0o440 } }] : []),
    ],
  };
}

/**
 * Graceful shutdown through the loopback admin API, then a wait before kubelet sends SIGTERM:
 * `/healthcheck/fail` turns `/ready` to 503 (the pod leaves the Service's endpoints, and load
 * balancers that probe stop sending), `/drain_listeners?graceful` makes Envoy shed connections over
 * `--drain-time-s` (HTTP/1 `Connection: close`, HTTP/2 GOAWAY) and then close its listeners. The
 * image has no curl, so the POSTs go through bash's /dev/tcp; if one fails the wait still happens.
 */
export function preStopScript(options: Pick<ResolvedInfrastructureOptions, 'adminPort' | 'drainSeconds'>): string {
  const request = 'POST %s HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n';
  return [
    `post() { exec 3<>/dev/tcp/127.0.0.1/${options.adminPort} && printf '${request}' "$1" >&3 && read -r -t 5 status <&3; exec 3>&-; }`,
    `(post /healthcheck/fail; post '/drain_listeners?graceful')`,
    `sleep ${options.drainSeconds + SHUTDOWN_MARGIN_SECONDS}`,
  ].join('; ');
}
