/**
 * features/load_balancing.feature: a default backend scaled to 10 replicas; 100 requests must all
 * answer 200 and, between them, reach all 10 pods (the Service has no sessionAffinity).
 */
import { requestTo } from './request-url.js';
import type { IngressScenario } from './scenario-types.js';

export const LOAD_BALANCING_SCENARIOS: readonly IngressScenario[] = [
  {
    featureFile: 'features/load_balancing.feature',
    feature: 'Load Balancing',
    name: 'An Ingress with no rules should send all requests to the default backend and',
    ingress: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'load-balancing' },
      spec: { defaultBackend: { service: { name: 'echo-service', port: { number: 8080 } } } },
    },
    awaitAddress: true,
    scale: { service: 'echo-service', replicas: 10 },
    check: { kind: 'spread', request: requestTo('GET', 'http://load-balancing'), requests: 100, status: 200, pods: 10 },
  },
];
