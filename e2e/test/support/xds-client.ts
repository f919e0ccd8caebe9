/**
 * A real, independent xDS client: a @grpc/grpc-js channel with target `xds:///<host>:<port>`,
 * resolved by @grpc/grpc-js-xds from our ADS server. Each channel gets its own bootstrap (the
 * channel option grpc-js-xds 1.14 reads in resolver-xds.ts for tests), so no file or environment
 * variable is shared between tests.
 */
import * as grpc from '@grpc/grpc-js';
import grpcXds from '@grpc/grpc-js-xds';
import { echoPackage, type EchoClient, type WhoReply } from './backends/echo-backends.js';

/** grpc-js-xds resolver-xds.ts BOOTSTRAP_CONFIG_KEY: a per-channel bootstrap, JSON text. */
const BOOTSTRAP_OPTION = 'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config';

let registered = false;

export interface XdsClientOptions {
  xdsPort: number;
  /** `node.cluster`: the gateway (`namespace/name`) whose config the client gets. */
  gateway: string;
  nodeId: string;
}

export function xdsBootstrap(options: XdsClientOptions): object {
  return {
    xds_servers: [{ server_uri: `127.0.0.1:${options.xdsPort}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: options.nodeId, cluster: options.gateway, locality: {} },
  };
}

/** An Echo client whose channel is configured over xDS for `target` (`xds:///echo.test:8080`). */
export function createXdsEchoClient(target: string, options: XdsClientOptions): EchoClient {
  if (!registered) {
    grpcXds.register();
    registered = true;
  }
  const { Echo } = echoPackage();
  return new Echo(target, grpc.credentials.createInsecure(), {
    [BOOTSTRAP_OPTION]: JSON.stringify(xdsBootstrap(options)),
    // Subchannels of this channel only, closed with it: none outlives the test in a shared pool.
    'grpc.use_local_subchannel_pool': 1,
  }) as unknown as EchoClient;
}

export type EchoMethod = 'Who' | 'Admin';

/** One unary call; resolves to the reply or rejects with the gRPC error. */
export function callEcho(client: EchoClient, method: EchoMethod, headers: Record<string, string> = {}, deadlineMs = 10_000): Promise<WhoReply> {
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
  return new Promise((resolve, reject) => {
    client[method]({ caller: 'e2e' }, metadata, { deadline: Date.now() + deadlineMs }, (error, reply) => (error ? reject(error) : resolve(reply!)));
  });
}

/** Which backend answered each of `count` calls, `concurrency` at a time. */
export async function tally(client: EchoClient, count: number, method: EchoMethod = 'Who', headers: Record<string, string> = {}, concurrency = 20): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let issued = 0;
  const worker = async () => {
    while (issued < count) {
      issued += 1;
      const { backend } = await callEcho(client, method, headers);
      counts[backend] = (counts[backend] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return counts;
}

/**
 * Calls until `accept` holds for the reply (a config change reached the client), at most until
 * `timeoutMs`. Errors in between count as "not yet" but are kept for the failure message.
 */
export async function untilAnswer(
  client: EchoClient,
  method: EchoMethod,
  headers: Record<string, string>,
  accept: (reply: WhoReply) => boolean,
  timeoutMs = 20_000,
): Promise<{ reply: WhoReply; calls: number; ms: number }> {
  const started = Date.now();
  let calls = 0;
  let last: unknown;
  while (Date.now() - started < timeoutMs) {
    calls += 1;
    try {
      const reply = await callEcho(client, method, headers, 5_000);
      if (accept(reply)) return { reply, calls, ms: Date.now() - started };
      last = reply;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no accepted answer within ${timeoutMs} ms after ${calls} calls; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
}
