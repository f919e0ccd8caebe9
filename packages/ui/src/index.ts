/**
 * @portico/ui: the dashboard served at `/ui`. The browser app (src/web) is bundled at build time
 * (`npm run build:ui`); this node entry hands its built files to the admin server and shares the
 * documents' types (the contract) with the server side.
 */
export type {
  Badge,
  ChangedEvent,
  ConditionSummary,
  DataPlaneDocument,
  EdgeKind,
  ExplainDocument,
  GatewayDataPlane,
  GraphDocument,
  GraphEdge,
  GraphNode,
  Health,
  NodeId,
  NodeKind,
  ObjectDetails,
  PolicyKind,
  ProxyState,
} from './contract.js';
export { loadUiAssets } from './load-ui-assets.js';
export type { UiAssets } from './load-ui-assets.js';
