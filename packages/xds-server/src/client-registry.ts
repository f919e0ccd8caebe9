/**
 * Who is connected and what each runs, built from the streams' events: the data behind
 * /debug/clients (DESIGN.md §3). Per stream: the node, the gateway it serves, since when, and per
 * resource type the version it ACKed (the config it runs), the last version sent, and the last NACK
 * with the client's error text (it keeps running the ACKed version).
 */
import type { NodeInfo, StreamEvent, TypeUrl } from './types.js';

export interface NackInfo {
  version: string;
  message: string;
  at: string;
}

export interface ClientTypeState {
  /** The version the client accepted last: what it runs. */
  ackedVersion?: string;
  ackedAt?: string;
  /** The version sent last (equal to ackedVersion once the client has answered). */
  sentVersion?: string;
  sentAt?: string;
  pushes: number;
  nacks: number;
  lastNack?: NackInfo;
}

export interface ClientInfo {
  /** The server's id of the stream: one client connection can open several. */
  streamId: string;
  protocol: 'sotw' | 'delta';
  /** The peer address as gRPC reports it (`127.0.0.1:51234`). */
  peer: string;
  nodeId?: string;
  /** `node.cluster`: the gateway (`namespace/name`) the client serves. */
  gateway?: string;
  userAgent?: string;
  connectedAt: string;
  types: Record<TypeUrl, ClientTypeState>;
}

export interface ClientRegistry {
  /** Starts tracking a stream; returns the function its events go to. */
  open(stream: { streamId: string; protocol: ClientInfo['protocol']; peer: string }): (event: StreamEvent) => void;
  /** Every open stream, oldest first. Copies: callers may keep or change them. */
  clients(): ClientInfo[];
  client(streamId: string): ClientInfo | undefined;
}

export function createClientRegistry(options: { now?: () => Date } = {}): ClientRegistry {
  const now = options.now ?? (() => new Date());
  const streams = new Map<string, ClientInfo>();

  const typeState = (info: ClientInfo, typeUrl: TypeUrl): ClientTypeState => (info.types[typeUrl] ??= { pushes: 0, nacks: 0 });

  function apply(info: ClientInfo, event: StreamEvent): void {
    switch (event.kind) {
      case 'connected':
        describeNode(info, event.node);
        if (event.gateway !== undefined) info.gateway = event.gateway;
        break;
      case 'ack': {
        const t = typeState(info, event.typeUrl);
        t.ackedVersion = event.version;
        t.ackedAt = now().toISOString();
        break;
      }
      case 'nack': {
        const t = typeState(info, event.typeUrl);
        t.nacks += 1;
        t.lastNack = { version: event.version, message: event.message, at: now().toISOString() };
        break;
      }
      case 'push': {
        const t = typeState(info, event.typeUrl);
        t.pushes += 1;
        t.sentVersion = event.version;
        t.sentAt = now().toISOString();
        break;
      }
      case 'closed':
        streams.delete(info.streamId);
        break;
    }
  }

  return {
    open({ streamId, protocol, peer }) {
      const info: ClientInfo = { streamId, protocol, peer, connectedAt: now().toISOString(), types: {} };
      streams.set(streamId, info);
      return (event) => apply(info, event);
    },
    clients: () => [...streams.values()].map(copyClient),
    client(streamId) {
      const info = streams.get(streamId);
      return info && copyClient(info);
    },
  };
}

function describeNode(info: ClientInfo, node: NodeInfo): void {
  if (node.id) info.nodeId = node.id;
  const userAgent = [node.userAgentName, node.userAgentVersion].filter(Boolean).join('/');
  if (userAgent) info.userAgent = userAgent;
}

function copyClient(info: ClientInfo): ClientInfo {
  const types: Record<TypeUrl, ClientTypeState> = {};
  for (const [typeUrl, t] of Object.entries(info.types)) types[typeUrl] = { ...t, ...(t.lastNack ? { lastNack: { ...t.lastNack } } : {}) };
  return { ...info, types };
}
