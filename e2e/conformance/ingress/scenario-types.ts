/**
 * The shape of one scenario of the Ingress conformance suite (kubernetes-sigs/ingress-controller-conformance,
 * its features/*.feature files), as our runner reproduces it: what the scenario's Background creates
 * (an Ingress, the echo backends its services name, TLS Secrets, a scaled backend), then what it checks.
 * Scenario names are upstream's, word for word, so a result maps to the upstream scenario; `detail`
 * tells apart scenarios that share a name (upstream's parenthetical line, or an Examples row).
 */

/** networking.k8s.io/v1 Ingress, as the feature file writes it (namespace filled in by the runner). */
export interface IngressManifest {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'Ingress';
  metadata: { name: string; namespace?: string };
  spec: IngressSpec;
}

export interface ServiceBackend {
  service: { name: string; port: { number?: number; name?: string } };
}

export interface IngressSpec {
  ingressClassName?: string;
  defaultBackend?: ServiceBackend;
  tls?: { hosts?: string[]; secretName?: string }[];
  rules?: { host?: string; http?: { paths: { path?: string; pathType: string; backend: ServiceBackend }[] } }[];
}

/** One request as the suite sends it: to the Ingress's address, with this Host (and SNI for https). */
export interface ScenarioRequest {
  method: string;
  scheme: 'http' | 'https';
  /** The Host header (empty: the address itself, as Go's client does with no Host set). */
  host: string;
  path: string;
}

/** One "Then/And" step about the captured exchange (test/state in upstream). */
export type Expectation =
  | { kind: 'status'; code: number }
  | { kind: 'served-by'; service: string }
  | { kind: 'response-proto'; proto: string }
  | { kind: 'response-header'; name: string; value: string }
  | { kind: 'request-method'; method: string }
  | { kind: 'request-path'; path: string }
  | { kind: 'request-proto'; proto: string }
  | { kind: 'request-header'; name: string; value: string }
  | { kind: 'request-host'; host: string }
  | { kind: 'tls-hostname'; hostname: string };

export type ScenarioCheck =
  /** "When I send a … request to …" followed by expectations on that one exchange. */
  | { kind: 'request'; request: ScenarioRequest; expect: Expectation[] }
  /** "The Ingress status should not contain the IP address or FQDN". */
  | { kind: 'no-address' }
  /** "When I send N requests …; all the responses status-code must be S and … M different pods". */
  | { kind: 'spread'; request: ScenarioRequest; requests: number; status: number; pods: number };

export interface IngressScenario {
  /** Upstream's feature file, e.g. features/path_rules.feature. */
  featureFile: string;
  feature: string;
  name: string;
  /** Upstream's parenthetical line under the scenario, or the Examples row of an outline. */
  detail?: string;
  ingress: IngressManifest;
  /** "a self-signed TLS secret named … for the … hostname". */
  tlsSecrets?: { name: string; host: string }[];
  /** "The backend deployment … for the ingress resource is scaled to N". */
  scale?: { service: string; replicas: number };
  /**
   * Whether the Background waits for the status address ("The Ingress status shows the IP address or
   * FQDN where it is exposed"); the ingress-class scenario asserts the opposite instead.
   */
  awaitAddress: boolean;
  check: ScenarioCheck;
}
