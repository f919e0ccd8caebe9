/**
 * @portico/server: the composition root (provider → translator → xDS), the admin server and the logs.
 * What talks to a cluster is in `@portico/server/kubernetes` (kubernetes.ts): serving files never loads
 * @kubernetes/client-node.
 */
export { createPorticoServer, type PorticoServer, type PorticoServerOptions, type StartedServer } from './portico-server.js';
export { createAdminServer, DEFAULT_ADMIN_ADDRESS, type AdminHandlers, type AdminServer, type AdminServerOptions, type Readiness } from './admin/admin-server.js';
export { clientsView, debugViews, irView, statusView, xdsView, type DebugData, type DebugView, type ViewAnswer, type ViewResult } from './admin/debug-views.js';
export { servedConfigDumps } from './admin/served-config-dumps.js';
export { irOfResult, withIR, type GatewayKeys, type TranslationSummary } from './reconcile/translated-state.js';
export { redactSecret, REDACTED_KEYS_ANNOTATION, resourcesView } from './admin/resources-view.js';
export { createUiHttp, type UiAssetSource, type UiHttp, type UiHttpOptions } from './ui/ui-http.js';
export { createChangeSignal, createUiEvents, DEFAULT_MAX_EVENT_STREAMS, type ChangeSignal, type UiEvents, type UiEventsOptions } from './ui/ui-events.js';
export { buildGraph, type GraphMeta } from './ui/build-graph.js';
export { createDebugDumps, DEFAULT_DUMP_CACHE_BYTES, DEFAULT_MAX_DUMPS_IN_FLIGHT, type DebugDumps, type DebugDumpsOptions, type DumpResult } from './admin/debug-dumps.js';
export { createHostCheck, hostOf, LOOPBACK_HOSTS, type HostCheck, type HostCheckOptions } from './admin/admin-host-check.js';
export { documentChunks, renderDocument, type ChunkOptions, type RenderOptions } from './admin/document-chunks.js';
export { createReconciler, type ReconcileOutcome, type Reconciler, type ReconcilerOptions, type TranslatedState } from './reconcile/reconciler.js';
export { createXdsPublisher, type PublishGatewaysResult, type PublishResult, type XdsPublisher, type XdsPublisherOptions } from './reconcile/publish-gateways.js';
export { createServerMetrics, type ServerMetrics, type ServerMetricsOptions } from './reconcile/server-metrics.js';
export { createEventLoopMetrics, EVENT_LOOP_QUANTILES, type DelayHistogram, type EventLoopMetrics, type EventLoopMetricsOptions } from './reconcile/event-loop-metrics.js';
export {
  createTranslationWorkerHost,
  DEFAULT_TRANSLATION_WORKER_HEAP_MIB,
  DEFAULT_TRANSLATION_WORKER_YOUNG_GENERATION_MIB,
  TranslationWorkerError,
  translationWorkerAvailable,
  type HostGateway,
  type HostResource,
  type TranslationWorkerHost,
  type TranslationWorkerHostOptions,
  type WorkerTranslation,
} from './translation-worker/translation-worker-host.js';
export { createWorkerPublisher, type WorkerPublisher, type WorkerPublisherOptions } from './translation-worker/publish-worker-translation.js';
export { createServePipeline, type ServePipeline, type ServePipelineOptions } from './reconcile/serve-pipeline.js';
export { createNackContainment, type ContainmentOutcome, type ContainmentPublisher, type NackContainment, type NackContainmentOptions } from './isolation/nack-containment.js';
export { createQuarantine, type Quarantine, type QuarantineApplied, type QuarantineEntry } from './isolation/quarantine.js';
export { findCulprits, probeBudget, suspectsFromErrorText, type CulpritSearch, type CulpritSearchResult, type ProbeVerdict } from './isolation/culprit-finder.js';
export { createChangeTracker, countByKind, type ChangeTracker } from './reconcile/changed-kinds.js';
export { isUnhealthy, statusRows, type StatusObject, type StatusRow } from './reconcile/status-rows.js';
export { createLogger, errorFields, isLogLevel, LOG_LEVELS, silentLogger, type Logger, type LoggerOptions, type LogLevel } from './logger.js';
export { RecentLogs, type RecentLogsOptions, type RecentLogsView } from './recent-logs.js';
export {
  checkTlsMaterial,
  createXdsTlsFileSource,
  DEFAULT_TLS_POLL_MS,
  initialTls,
  XdsTlsFilesError,
  type CertificateFacts,
  type XdsTlsFiles,
  type XdsTlsFileSourceOptions,
  type XdsTlsSource,
} from './xds-tls-files.js';
export type { ClusterFigures, KubernetesController, KubernetesControllerOptions } from './kubernetes-controller.js';
export { formatListenAddress, parseListenAddress, type ListenAddress } from './listen-address.js';
export { isLoopbackHost, plaintextXdsWarning } from './xds-exposure.js';
export { createRefusalLog } from './isolation/refusal-log.js';
export {
  createEnvoyRunner,
  dialableAddress,
  EnvoyNotFoundError,
  findEnvoyBinary,
  type EnvoyRunner,
  type EnvoyRunnerLogger,
  type EnvoyRunnerOptions,
  type ManagedEnvoy,
} from './envoy-runner.js';
export { runCertgen, type CertgenOptions, type CertgenResult, type IssuedIdentity } from './certgen/certgen.js';
export { StoreConflictError, StoreError, type CertificateStore, type IdentityStore, type WriteResult } from './certgen/certificate-store.js';
export {
  identityCertificateProblem,
  identityUriOf,
  planIdentityCertificate,
  type IdentityCertificateOptions,
  type IdentityCertificatePlan,
  type IdentityTarget,
} from './certgen/identity-certificates.js';
export {
  CA_VALIDITY_DAYS,
  issueCertificateAuthority,
  issueClientCertificate,
  issueServerCertificate,
  LEAF_VALIDITY_DAYS,
  type CertificateAndKey,
} from './certgen/issue-certificates.js';
export { createLocalStore, identityFolder } from './certgen/local-store.js';
export {
  CA_KEY_SECRET,
  CA_SECRET,
  CLIENT_SECRET,
  DEFAULT_CLUSTER_DOMAIN,
  DEFAULT_SERVICE_NAME,
  LOCAL_FILES,
  SERVER_SECRET,
  serverNames,
  type ServerNameOptions,
  type ServerNames,
} from './certgen/names.js';
export { planRenewal, subjectAltNames, type RenewalPlan, type StoredCertificates, type XdsCertificates } from './certgen/renewal-plan.js';
export type { SecretStoreOptions } from './certgen/secret-store.js';
export type { InfrastructureManager, InfrastructureManagerOptions, InfrastructurePass, ManagedGateway } from './infrastructure/infrastructure-manager.js';
export { buildEnvoyManifests, type EnvoyManifests } from './infrastructure/envoy-manifests.js';
export {
  DEFAULT_ENVOY_IMAGE,
  type EnvoyClientCertificateOptions,
  type EnvoyInfrastructureOptions,
  type EnvoyResources,
  type EnvoyServiceType,
} from './infrastructure/infrastructure-options.js';
export { envoyResourceName } from './infrastructure/infrastructure-names.js';
export type { InfrastructureRequests, ManagedKind } from './infrastructure/infrastructure-client.js';
export type { ServiceAddressSource } from './infrastructure/service-addresses.js';
export { createRateLimitConfigWriter, type RateLimitConfigWriter } from './rate-limit-config-writer.js';
