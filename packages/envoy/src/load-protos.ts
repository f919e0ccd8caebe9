/**
 * Loads the Envoy v3 API once per process, with protobufjs, from the .proto files the pinned
 * @grpc/grpc-js-xds package ships under deps/ (the same API version its xDS client speaks).
 * The roots compiled are listed in proto/envoy-roots.txt at the repository root; a root the deps/
 * tree lacks is looked up in proto/envoy-extensions/ (searched after deps/, so it never shadows it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const PROTO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../proto');
const ROOTS_FILE = join(PROTO_DIR, 'envoy-roots.txt');
/** Envoy API files newer than the pinned deps/ tree (proto/envoy-extensions/README: which and why). */
const EXTENSIONS_DIR = join(PROTO_DIR, 'envoy-extensions');

/** Folders searched for imports, in order (like protoc's -I). */
function includePaths(): string[] {
  const xds = dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
  const deps = join(xds, 'deps');
  // protobufjs bundles google/protobuf/*.proto (descriptor.proto among them) for the validate annotations.
  const protobufjsDir = dirname(require.resolve('protobufjs/package.json'));
  // proto/otlp: the OTLP common types Envoy's OpenTelemetry access logger imports (not in those deps).
  return [...['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(deps, d)), EXTENSIONS_DIR, join(dirname(ROOTS_FILE), 'otlp'), protobufjsDir];
}

export function envoyRootFiles(): string[] {
  return readFileSync(ROOTS_FILE, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

let cached: protobuf.Root | undefined;

/** The resolved protobufjs Root holding every Envoy type Portico uses. The first call parses; later calls are free. */
export function envoyProtos(): protobuf.Root {
  if (cached) return cached;
  const root = loadRoot(envoyRootFiles());
  addNewerFields(root);
  root.resolveAll();
  cached = root;
  return root;
}

const DISCOVERY_PROTO = 'envoy/service/discovery/v3/discovery.proto';

let discovery: protobuf.Root | undefined;

/**
 * A Root with the discovery service's messages only (DiscoveryRequest/Response and their delta twins,
 * with what they import), for a process that serves xDS but never encodes a resource itself: `portico
 * serve` translates on a worker thread, and its main thread's streams only wrap the bytes the worker
 * wrote in Anys. The whole API costs that thread ~8 MiB of heap and ~25 MiB resident to parse and keep;
 * this one a fraction. The whole Root, when loaded anyway (in-process translation), serves instead.
 */
export function discoveryProtos(): protobuf.Root {
  if (cached) return cached;
  if (discovery) return discovery;
  const root = loadRoot([DISCOVERY_PROTO]);
  root.resolveAll();
  discovery = root;
  return root;
}

function loadRoot(files: string[]): protobuf.Root {
  const includes = includePaths();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (isAbsolute(target) && existsSync(target)) return target;
    for (const dir of includes) {
      const candidate = join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return target; // protobufjs serves its bundled google/protobuf/* files by this name
  };
  root.loadSync(files, { keepCase: false });
  return root;
}

/**
 * Fields Envoy 1.40 has in messages the pinned deps/ tree already defines (so a file in
 * proto/envoy-extensions/ cannot supply them: it is searched after deps/). Wire schema only: name,
 * number and type as in Envoy's own .proto.
 */
const NEWER_FIELDS: readonly { message: string; name: string; id: number; type: string; repeated?: true }[] = [
  // local_rate_limit.proto (RateLimitPolicy): the filter's own descriptor actions, and the LRU size of
  // each wildcard descriptor's dynamic buckets.
  { message: 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit', name: 'rateLimits', id: 17, type: 'envoy.config.route.v3.RateLimit', repeated: true },
  { message: 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit', name: 'maxDynamicDescriptors', id: 18, type: 'google.protobuf.UInt32Value' },
  // logs_service.proto (AccessLogPolicy OTLP sink): Envoy 1.37 moved the collector and log name out of
  // the deprecated common_config into the logger's own fields.
  { message: 'envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig', name: 'grpcService', id: 9, type: 'envoy.config.core.v3.GrpcService' },
  { message: 'envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig', name: 'logName', id: 10, type: 'string' },
  // ext_authz.proto (Envoy 1.38+): the HTTP check's whole path, for an ingress-nginx auth-url (a fixed path).
  { message: 'envoy.extensions.filters.http.ext_authz.v3.HttpService', name: 'pathOverride', id: 10, type: 'string' },
];

function addNewerFields(root: protobuf.Root): void {
  for (const f of NEWER_FIELDS) {
    const type = root.lookupType(f.message);
    if (!type.fields[f.name] && !type.fieldsById[f.id]) type.add(new protobuf.Field(f.name, f.id, f.type, f.repeated ? 'repeated' : undefined));
  }
}
