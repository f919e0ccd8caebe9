/**
 * A test OTLP trace receiver, for XTelemetryPolicy through a real Envoy: OTLP/gRPC
 * (opentelemetry.proto.collector.trace.v1.TraceService/Export) or OTLP/HTTP (protobuf `POST
 * /v1/traces`), decoding the spans with proto/portico/test/otlp_trace.proto and remembering each
 * with its resource's service.name. `waitFor` resolves when a condition on the spans holds.
 */
import { createServer, type Server } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';

const PROTO = join(resolve(dirname(fileURLToPath(import.meta.url)), '../../../../proto'), 'portico/test/otlp_trace.proto');

export interface ReceivedSpan {
  serviceName: string;
  name: string;
  /** Hex. */
  traceId: string;
  parentSpanId: string;
  attributes: Record<string, string>;
}

export interface OtlpReceiver {
  port: number;
  spans: ReceivedSpan[];
  /** Export requests received (each may carry several spans). */
  exports: number;
  /** Resolves once `accept(spans)` holds, rejects after `timeoutMs` naming `what`. */
  waitFor(what: string, accept: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

interface KeyValue {
  key: string;
  value?: { stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number };
}

interface ExportRequest {
  resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: { traceId?: Buffer | Uint8Array; parentSpanId?: Buffer | Uint8Array; name?: string; attributes?: KeyValue[] }[] }[] }[];
}

function text(value: KeyValue['value']): string {
  if (!value) return '';
  const v = value.stringValue ?? value.boolValue ?? value.intValue ?? value.doubleValue;
  return v === undefined ? '' : String(v);
}

function attributes(list: KeyValue[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, text(kv.value)]));
}

const hex = (bytes: Buffer | Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('hex');

function receiverState(): Omit<OtlpReceiver, 'port' | 'close'> & { record(request: ExportRequest): void } {
  const waiters = new Set<() => void>();
  const state = {
    spans: [] as ReceivedSpan[],
    exports: 0,
    record(request: ExportRequest) {
      state.exports++;
      for (const rs of request.resourceSpans ?? []) {
        const serviceName = attributes(rs.resource?.attributes)['service.name'] ?? '';
        for (const ss of rs.scopeSpans ?? []) {
          for (const span of ss.spans ?? []) {
            state.spans.push({ serviceName, name: span.name ?? '', traceId: hex(span.traceId), parentSpanId: hex(span.parentSpanId), attributes: attributes(span.attributes) });
          }
        }
      }
      for (const wake of waiters) wake();
    },
    waitFor(what: string, accept: (spans: ReceivedSpan[]) => boolean, timeoutMs = 20_000) {
      return new Promise<void>((ok, fail) => {
        const check = () => {
          if (!accept(state.spans)) return;
          waiters.delete(check);
          clearTimeout(timer);
          ok();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          fail(new Error(`OTLP receiver: timed out waiting for ${what} (${state.spans.length} spans in ${state.exports} exports)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
  return state;
}

/** OTLP/gRPC on 127.0.0.1 (h2c). */
export async function startOtlpGrpcReceiver(): Promise<OtlpReceiver> {
  const state = receiverState();
  const definition = protoLoader.loadSync(PROTO, { keepCase: false, longs: String, defaults: false, oneofs: false });
  const root = grpc.loadPackageDefinition(definition) as unknown as {
    opentelemetry: { proto: { collector: { trace: { v1: { TraceService: grpc.ServiceClientConstructor } } } } };
  };
  const server = new grpc.Server();
  server.addService(root.opentelemetry.proto.collector.trace.v1.TraceService.service, {
    Export: (call: grpc.ServerUnaryCall<ExportRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      state.record(call.request);
      callback(null, {});
    },
  });
  const port = await new Promise<number>((ok, fail) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? fail(error) : ok(bound))),
  );
  return Object.assign(state, { port, close: () => new Promise<void>((ok) => server.tryShutdown(() => ok())) });
}

/** OTLP/HTTP with protobuf bodies (`content-type: application/x-protobuf`), the encoding Envoy sends. */
export async function startOtlpHttpReceiver(): Promise<OtlpReceiver & { requests: { path: string; contentType: string; headers: Record<string, string> }[] }> {
  const state = receiverState();
  const requestType = protobuf.loadSync(PROTO).lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
  const requests: { path: string; contentType: string; headers: Record<string, string> }[] = [];
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    requests.push({ path: request.url ?? '', contentType: String(request.headers['content-type'] ?? ''), headers: request.headers as Record<string, string> });
    if (request.method !== 'POST' || request.url !== '/v1/traces') {
      response.writeHead(404).end();
      return;
    }
    const decoded = requestType.toObject(requestType.decode(Buffer.concat(chunks)), { longs: String }) as ExportRequest;
    state.record(decoded);
    response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return Object.assign(state, {
    port: (server.address() as { port: number }).port,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((ok) => server.close(() => ok()));
    },
  });
}

const LOGS_PROTO = join(resolve(dirname(fileURLToPath(import.meta.url)), '../../../../proto'), 'portico/test/otlp_logs.proto');

export interface ReceivedLogRecord {
  /** The resource attribute `log_name` (one of Envoy's built-in labels): the policy's log name. */
  logName: string;
  body: string;
  attributes: Record<string, string>;
}

export interface OtlpLogsReceiver {
  port: number;
  records: ReceivedLogRecord[];
  waitFor(what: string, accept: (records: ReceivedLogRecord[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

interface ExportLogsRequest {
  resourceLogs?: { resource?: { attributes?: KeyValue[] }; scopeLogs?: { logRecords?: { body?: KeyValue['value']; attributes?: KeyValue[] }[] }[] }[];
}

/** OTLP/gRPC logs on 127.0.0.1 (h2c): what Envoy's open_telemetry access logger sends. */
export async function startOtlpLogsReceiver(): Promise<OtlpLogsReceiver> {
  const records: ReceivedLogRecord[] = [];
  const waiters = new Set<() => void>();
  const definition = protoLoader.loadSync(LOGS_PROTO, { keepCase: false, longs: String, defaults: false, oneofs: false });
  const root = grpc.loadPackageDefinition(definition) as unknown as {
    opentelemetry: { proto: { collector: { logs: { v1: { LogsService: grpc.ServiceClientConstructor } } } } };
  };
  const server = new grpc.Server();
  server.addService(root.opentelemetry.proto.collector.logs.v1.LogsService.service, {
    Export: (call: grpc.ServerUnaryCall<ExportLogsRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      for (const rl of call.request.resourceLogs ?? []) {
        const logName = attributes(rl.resource?.attributes)['log_name'] ?? '';
        for (const sl of rl.scopeLogs ?? []) {
          for (const r of sl.logRecords ?? []) records.push({ logName, body: text(r.body), attributes: attributes(r.attributes) });
        }
      }
      for (const wake of waiters) wake();
      callback(null, {});
    },
  });
  const port = await new Promise<number>((ok, fail) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? fail(error) : ok(bound))),
  );
  return {
    port,
    records,
    waitFor(what, accept, timeoutMs = 20_000) {
      return new Promise<void>((ok, fail) => {
        const check = () => {
          if (!accept(records)) return;
          waiters.delete(check);
          clearTimeout(timer);
          ok();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          fail(new Error(`OTLP logs receiver: timed out waiting for ${what} (${records.length} records)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((ok) => server.tryShutdown(() => ok())),
  };
}
