/**
 * SecurityPolicy (gateway.portico.dev/v1alpha1) is validated like the Gateway API kinds: its CRD's
 * schema (bounds, enums, defaults) and CEL rules, as `kubectl apply` would meet them.
 */
import { ResourceLoadError } from '../loading/errors.js';
import { parseResources } from '../loading/parse-resources.js';
import type { SecurityPolicy } from '../model/security-policy.js';

const policy = (spec: string) =>
  `apiVersion: gateway.portico.dev/v1alpha1\nkind: SecurityPolicy\nmetadata: { name: p, namespace: apps }\nspec:\n  targetRefs: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: web }]\n${spec}`;

function refusal(yaml: string): string | undefined {
  try {
    parseResources(yaml, 'in.yaml');
    return undefined;
  } catch (err) {
    if (!(err instanceof ResourceLoadError)) throw err;
    return err.message;
  }
}

describe('SecurityPolicy schema and CEL rules', () => {
  it('accepts every feature and applies the CRD defaults', () => {
    const { objects } = parseResources(
      policy(
        '  ipAccess: { allow: [10.0.0.0/8, "2001:db8::/32"], deny: [10.1.0.0/16] }\n' +
          '  apiKeyAuth: { credentialRefs: [{ name: keys }] }\n' +
          '  basicAuth: { users: { name: users } }\n',
      ),
      'in.yaml',
    );
    const spec = (objects[0] as SecurityPolicy).spec;
    expect(spec.apiKeyAuth?.hideCredentials).toBe(false);
    const jwt = parseResources(policy('  jwt:\n    providers:\n    - { name: idp, remoteJWKS: { uri: "https://idp/jwks", backendRef: { name: idp, port: 443 } } }\n'), 'in.yaml');
    expect((jwt.objects[0] as SecurityPolicy).spec.jwt?.providers[0]?.remoteJWKS?.cacheDuration).toBe('300s');
    const ext = parseResources(policy('  extAuth: { http: { backendRef: { name: auth, port: 8000 } } }\n'), 'in.yaml');
    const extAuth = (ext.objects[0] as SecurityPolicy).spec.extAuth;
    expect(extAuth).toMatchObject({ failOpen: false, timeout: '10s', http: { backendRef: { group: '', kind: 'Service', name: 'auth', port: 8000 } } });
  });

  it.each([
    ['a policy with nothing to enforce', '  {}\n'.replace('  {}\n', ''), 'at least one of ipAccess, basicAuth, apiKeyAuth, jwt and extAuth'],
    ['an entry that is not a CIDR', '  ipAccess: { deny: [10.0.0.300/8] }\n', 'every entry must be a CIDR'],
    ['empty allow and deny lists', '  ipAccess: { allow: [] }\n', 'ipAccess needs allow or deny entries'],
    ['basic auth and JWT together', '  basicAuth: { users: { name: u } }\n  jwt: { providers: [{ name: a, localJWKS: { inline: "{}" } }] }\n', 'both read the Authorization header'],
    ['a provider with two JWKS sources', '  jwt: { providers: [{ name: a, localJWKS: { inline: "{}" }, remoteJWKS: { uri: "http://x/j", backendRef: { name: x, port: 80 } } }] }\n', 'exactly one of localJWKS and remoteJWKS'],
    ['extAuth with both http and grpc', '  extAuth: { http: { backendRef: { name: a, port: 80 } }, grpc: { backendRef: { name: a, port: 81 } } }\n', 'exactly one of http and grpc'],
    ['extAuth with neither http nor grpc', '  extAuth: { failOpen: true }\n', 'exactly one of http and grpc'],
    ['an extAuth backendRef to something other than a Service', '  extAuth: { grpc: { backendRef: { kind: Pod, name: a, port: 80 } } }\n', 'kind'],
    ['an extAuth timeout that is not a duration', '  extAuth: { grpc: { backendRef: { name: a, port: 80 } }, timeout: 2 minutes }\n', 'timeout'],
    ['an API key source with header and query', '  apiKeyAuth: { credentialRefs: [{ name: k }], extractFrom: [{ header: x-key, queryParam: key }] }\n', 'exactly one of header and queryParam'],
  ])('refuses %s', (_what, spec, message) => {
    expect(refusal(policy(spec))).toContain(message);
  });

  it('refuses a target outside the Gateway API group', () => {
    const yaml = policy('  ipAccess: { deny: [10.0.0.0/8] }\n').replace('group: gateway.networking.k8s.io', 'group: example.com');
    expect(refusal(yaml)).toContain('targetRefs must name gateway.networking.k8s.io objects');
  });
});
