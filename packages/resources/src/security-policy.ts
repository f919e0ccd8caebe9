/**
 * SecurityPolicy (gateway.portico.dev/v1alpha1, Portico's own): client IP allow/deny lists, HTTP basic
 * auth, API keys and JWT for a Gateway, a listener, an HTTPRoute/GRPCRoute or one named route rule
 * (GEP-713 policy attachment). The CRD (charts/portico/crds/gateway.portico.dev_securitypolicies.yaml)
 * is the source of truth for fields, defaults and bounds.
 */
import type { PolicyAncestorStatus } from './gateway-api.js';
import type { KubeObject } from './meta.js';

export const PORTICO_GROUP = 'gateway.portico.dev';

/** A policy target with an optional section (a Gateway listener or a route rule name). */
export interface PolicyTargetReferenceWithSectionName {
  group: string;
  kind: string;
  name: string;
  sectionName?: string;
}

export interface IPAccess {
  allow?: string[];
  deny?: string[];
}

export interface BasicAuth {
  /** `key` defaults to `.htpasswd`. */
  users: { name: string; key?: string };
  forwardUsernameHeader?: string;
}

export interface APIKeyAuth {
  /** Secrets whose data maps a client id to its API key. */
  credentialRefs: { name: string }[];
  /** Default: the `x-api-key` header. */
  extractFrom?: { header?: string; queryParam?: string }[];
  forwardClientIDHeader?: string;
  hideCredentials?: boolean;
}

export interface JWTProvider {
  name: string;
  issuer?: string;
  audiences?: string[];
  localJWKS?: { inline?: string; valueRef?: { kind: 'ConfigMap' | 'Secret'; name: string; key?: string } };
  /** `cacheDuration` defaults to 300s. */
  remoteJWKS?: { uri: string; backendRef: { name: string; port: number }; cacheDuration?: string };
  claimToHeaders?: { claim: string; header: string }[];
  forwardToken?: boolean;
}

export interface SecurityPolicy extends KubeObject {
  kind: 'SecurityPolicy';
  spec: {
    targetRefs: PolicyTargetReferenceWithSectionName[];
    ipAccess?: IPAccess;
    basicAuth?: BasicAuth;
    apiKeyAuth?: APIKeyAuth;
    jwt?: { providers: JWTProvider[] };
  };
  status?: { ancestors: PolicyAncestorStatus[] };
}
