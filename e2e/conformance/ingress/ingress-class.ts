/**
 * features/ingress_class.feature: an Ingress naming an IngressClass that does not exist is no
 * controller's, so nobody writes an address into its status.
 */
import type { IngressScenario } from './scenario-types.js';

export const INGRESS_CLASS_SCENARIOS: readonly IngressScenario[] = [
  {
    featureFile: 'features/ingress_class.feature',
    feature: 'Ingress class',
    name: 'An Ingress with an invalid ingress class should not send traffic to the matching backend service',
    ingress: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'test-ingress-class' },
      spec: {
        ingressClassName: 'some-invalid-class-name',
        rules: [{ host: 'ingress-class', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'ingress-class-prefix', port: { number: 8080 } } } }] } }],
      },
    },
    awaitAddress: false,
    check: { kind: 'no-address' },
  },
];
