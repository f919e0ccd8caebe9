/**
 * SecurityPolicy (gateway.portico.dev/v1alpha1, Portico's own): client IP allow/deny lists, HTTP basic
 * auth, API keys, JWT and external authorization for a Gateway, a listener, an HTTPRoute/GRPCRoute or one named route rule
 * (GEP-713 policy attachment). The CRD (charts/portico/crds/gateway.portico.dev_securitypolicies.yaml)
 * is the source of truth for fields, defaults and bounds.
 */
import type { PolicyAncestorStatus } from './gateway-api.js';
import type { KubeObject } from './meta.js';

export const PORTICO_GROUP = 'gateway.portico.dev';

/**
 * The Secret type an API key Secret must have: every data key is a client id, every value its key.
 * Portico keeps every key only of Secrets of this type (of others, only the keys it reads by name).
 */
export const API_KEYS_SECRET_TYPE = 'gateway.portico.dev/api-keys';
/** The data key of a basic auth Secret's htpasswd file. */
export const HTPASSWD_KEY = '.htpasswd';
/** The data key of a JWKS in a ConfigMap or Secret. */
export const JWKS_KEY = 'jwks.json';

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
  /** The Secret holding the htpasswd file under HTPASSWD_KEY. */
  users: { name: string };
  forwardUsernameHeader?: string;
}

export interface APIKeyAuth {
  /** Secrets of type API_KEYS_SECRET_TYPE whose data maps a client id to its API key. */
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
  /** valueRef: the JWKS is under JWKS_KEY. */
  localJWKS?: { inline?: string; valueRef?: { kind: 'ConfigMap' | 'Secret'; name: string } };
  /** `cacheDuration` defaults to 300s. */
  remoteJWKS?: { uri: string; backendRef: { name: string; port: number }; cacheDuration?: string };
  claimToHeaders?: { claim: string; header: string }[];
  forwardToken?: boolean;
}

/** The Service an external authorization service is reached through (a Gateway API BackendObjectReference to a core Service). */
export interface ExtAuthBackendRef {
  group?: string;
  kind?: string;
  name: string;
  /** Another namespace needs a ReferenceGrant there (from SecurityPolicy to Service). */
  namespace?: string;
  port?: number;
}

/**
 * External authorization (Envoy ext_authz), shaped like Envoy Gateway's SecurityPolicy `extAuth`:
 * exactly one of `http` and `grpc`.
 */
export interface ExtAuth {
  /** A copy of the request (no body unless bodyToExtAuth) goes to the service; a 2xx answer allows it. */
  http?: {
    backendRef: ExtAuthBackendRef;
    /** Prefixed to the request's path in the check. */
    path?: string;
    /** The check's whole path instead of the request's (ingress-nginx auth-url); not with `path`. */
    pathOverride?: string;
    /** Send every client request header in the check; not with headersToExtAuth. */
    allRequestHeaders?: boolean;
    /** Absent: every answer header but Host and entity/connection ones; empty: none. */
    headersToBackend?: string[];
    /** Headers of an allowing answer added to the client's response (e.g. set-cookie). */
    headersToClient?: string[];
  };
  /** Envoy's envoy.service.auth.v3.Authorization/Check over gRPC. */
  grpc?: { backendRef: ExtAuthBackendRef };
  /** Client request headers sent in the check; absent: all (gRPC) or Envoy's always-sent ones (HTTP). */
  headersToExtAuth?: string[];
  /** Buffer up to this many body bytes and send them in the check. */
  bodyToExtAuth?: { maxRequestBytes: number };
  /** Let requests through when the service cannot be reached or fails (default false: 403). */
  failOpen?: boolean;
  /** How long a check may take (default 10s); a timeout counts as a failure (failOpen). */
  timeout?: string;
}

export interface SecurityPolicy extends KubeObject {
  kind: 'SecurityPolicy';
  spec: {
    targetRefs: PolicyTargetReferenceWithSectionName[];
    ipAccess?: IPAccess;
    basicAuth?: BasicAuth;
    apiKeyAuth?: APIKeyAuth;
    jwt?: { providers: JWTProvider[] };
    extAuth?: ExtAuth;
  };
  status?: { ancestors: PolicyAncestorStatus[] };
}
