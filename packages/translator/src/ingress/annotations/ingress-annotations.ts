/**
 * The typed record an Ingress's ingress-nginx annotations are parsed into (once per Ingress, by
 * registry.ts), and the shape of one annotation family (one file each in this folder).
 */
import type { CORSIR, ExternalAuthIR, HeaderModifierIR, RateLimitIR, RedirectIR, SecurityIR } from '@portico/ir';
import type { AnnotationValue, AnnotationValues } from './annotation-values.js';
import type { BackendProtocol } from './routing/backend-protocol.js';
import type { AuthURLAnnotation } from './security/auth-url.js';
import type { BasicAuthAnnotation } from './security/basic-auth.js';
import type { CanaryPolicy } from './routing/canary.js';
import type { SessionAffinity } from './traffic/session-affinity.js';

export interface IngressAnnotations {
  /** `use-regex`, or implied by `rewrite-target`: paths are case-insensitive regular expressions anchored at the start. */
  regexPaths: boolean;
  /** `rewrite-target` as written (checked): the whole path is replaced by it (rewrite.ts). */
  rewriteTarget?: string;
  /** `ssl-redirect` (explicit true) / `force-ssl-redirect`: HTTP requests are redirected to HTTPS with 308. */
  sslRedirect?: 'tls-hosts' | 'always';
  /** `permanent-redirect` / `temporal-redirect`: every path answers this redirect. */
  redirect?: RedirectIR & { stripQuery: true };
  /** `app-root`: a request for exactly `/` is redirected (302) to this path. */
  appRoot?: string;
  /** `backend-protocol`: HTTP/2 and/or TLS to the backend. */
  backendProtocol?: BackendProtocol;
  /** `proxy-read-timeout` / `proxy-send-timeout` (the larger): the route's idle timeout. */
  idleTimeoutMs?: number;
  /** `canary: "true"`: the Ingress is an alternative backend of a main Ingress's paths (canary.ts), not routes of its own. */
  canary?: CanaryPolicy;
  /** `server-alias`: more host names for the Ingress's (first) host, on port 80. */
  serverAliases?: string[];
  /** `upstream-vhost`: the Host header sent to the backend. */
  upstreamHost?: string;
  /** `whitelist-`/`allowlist-`/`denylist-source-range`: the clients every path of the Ingress serves (others: 403). */
  ipAccess?: { allow?: string[]; deny?: string[] };
  /** `auth-type: basic` + `auth-secret`: the Secret (this namespace) whose htpasswd every path checks. */
  basicAuth?: BasicAuthAnnotation;
  /** `auth-url` (+ `auth-response-headers`): the in-cluster Service every request is checked by (auth-url.ts). */
  authURL?: AuthURLAnnotation;
  /** authURL resolved to its Service (ingress/ingress-external-auth.ts): the check every path runs. */
  externalAuth?: ExternalAuthIR;
  /** ipAccess and basicAuth resolved against the Secret (ingress/ingress-security.ts): what every path enforces. */
  security?: SecurityIR;
  /** `enable-cors` with its `cors-*` settings (ingress-nginx's defaults filled in). */
  cors?: CORSIR;
  /** `limit-rps` / `limit-rpm` (rate-limits.ts): per-client-address token buckets on the paths that proxy; the policy name is the Ingress's. */
  rateLimit?: Omit<RateLimitIR, 'policy'>;
  /** `affinity: cookie` with `session-cookie-*` (session-affinity.ts): the paths that proxy get cookie session persistence. */
  sessionAffinity?: SessionAffinity;
  /** `proxy-body-size` (proxy-body-size.ts): bodies above it are refused with 413 on the paths that proxy. */
  maxRequestBytes?: number;
  /** `custom-headers` (custom-headers.ts): the ConfigMap whose keys are response headers; no namespace: the Ingress's. */
  customHeaders?: { namespace?: string; name: string };
  /** customHeaders resolved against the ConfigMap (ingress/ingress-custom-headers.ts): set on the responses of the paths that proxy. */
  responseHeaders?: HeaderModifierIR;
  /** A security annotation that is not implemented (or not understood): every path answers this instead. */
  failClosed?: { status: number; reason: string };
}

/**
 * How a family reports a problem: a message about one annotation; `status` when the Ingress's paths
 * must answer it instead of being served; `unsupported` when the value is valid but not implemented.
 */
export type ReportProblem = (value: AnnotationValue, message: string, effect?: { status?: number; unsupported?: true }) => void;

export interface AnnotationFamily {
  /** Annotation names (without prefix) this family reads. */
  names: readonly string[];
  parse(values: AnnotationValues, out: IngressAnnotations, report: ReportProblem): void;
}
