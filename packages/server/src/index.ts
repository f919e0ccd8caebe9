/** @portico/server: the composition root (provider → translator → xDS), the admin server and the logs. */
export { createPorticoServer, type PorticoServer, type PorticoServerOptions, type StartedServer } from './portico-server.js';
export { createAdminServer, DEFAULT_ADMIN_ADDRESS, type AdminHandlers, type AdminServer, type AdminServerOptions, type Readiness } from './admin-server.js';
export { clientsView, irView, statusView, xdsView, type DebugData, type ViewResult } from './debug-views.js';
export { createReconciler, type ReconcileOutcome, type Reconciler, type ReconcilerOptions, type TranslatedState } from './reconciler.js';
export { createXdsPublisher, type PublishGatewaysResult, type PublishResult, type XdsPublisher, type XdsPublisherOptions } from './publish-gateways.js';
export { createServerMetrics, type ServerMetrics, type ServerMetricsOptions } from './server-metrics.js';
export { createChangeTracker, countByKind, type ChangeTracker } from './changed-kinds.js';
export { isUnhealthy, statusRows, type StatusObject, type StatusRow } from './status-rows.js';
export { createLogger, errorFields, isLogLevel, LOG_LEVELS, silentLogger, type Logger, type LoggerOptions, type LogLevel } from './logger.js';
export { formatListenAddress, parseListenAddress, type ListenAddress } from './listen-address.js';
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
