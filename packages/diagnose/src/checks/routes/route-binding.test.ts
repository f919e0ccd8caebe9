import { routeBindingCheck } from './route-binding.js';
import { CLASS, gatewayYaml, inputOf, routeYaml, summary } from '../chain.test-util.js';

const RULES = '  rules: [{ backendRefs: [{ name: web, port: 80 }] }]\n';

describe('routeBindingCheck', () => {
  it('is one OK per route and gateway, naming the listeners it bound to', () => {
    const gw = gatewayYaml('eg', 'default', '  - { name: a, protocol: HTTP, port: 80 }\n  - { name: b, protocol: HTTP, port: 81 }\n');
    const route = routeYaml('web', 'default', `  parentRefs: [{ name: eg, sectionName: a }, { name: eg, sectionName: b }]\n${RULES}`);
    const findings = routeBindingCheck(inputOf(CLASS, gw, route));
    expect(summary(findings)).toEqual(['OK Accepted']);
    expect(findings[0]!.message).toBe('HTTPRoute is accepted by Gateway default/eg on listener a, listener b');
  });

  it('names the closest listener for a hostname mismatch, and the hostname to add', () => {
    const gw = gatewayYaml('eg', 'default', '  - { name: exact, protocol: HTTP, port: 80, hostname: shop.example.com }\n  - { name: other, protocol: TCP, port: 81 }\n');
    const route = routeYaml('web', 'default', `  parentRefs: [{ name: eg }]\n  hostnames: [www.example.org]\n${RULES}`);
    const [finding] = routeBindingCheck(inputOf(CLASS, gw, route));
    expect(finding).toMatchObject({ level: 'FAIL', code: 'NoMatchingListenerHostname', field: 'spec.parentRefs[0]', gateway: 'default/eg' });
    expect(finding!.message).toContain('Closest: listener exact, because its hostname shop.example.com matches none of');
    expect(finding!.message).toContain('other listeners: listener other (kind)');
    expect(finding!.fix).toBe("add shop.example.com to the route's spec.hostnames, or set listener exact's hostname to cover www.example.org");
  });

  it('says which namespace a Same listener admits, and where to move the route', () => {
    const gw = gatewayYaml('eg', 'infra', '  - { name: http, protocol: HTTP, port: 80 }\n');
    const route = routeYaml('web', 'apps', `  parentRefs: [{ name: eg, namespace: infra }]\n${RULES}`);
    const [finding] = routeBindingCheck(inputOf(CLASS, gw, route));
    expect(finding).toMatchObject({ level: 'FAIL', code: 'NotAllowedByListeners' });
    expect(finding!.fix).toBe('set allowedRoutes.namespaces.from: All (or Selector) on listener http, or create the route in namespace infra');
  });

  it('gives the label a Selector listener wants, or says the Namespace is unknown', () => {
    const gw = gatewayYaml('eg', 'infra', '  - { name: http, protocol: HTTP, port: 80, allowedRoutes: { namespaces: { from: Selector, selector: { matchExpressions: [{ key: env, operator: In, values: [prod] }] } } } }\n');
    const route = routeYaml('web', 'apps', `  parentRefs: [{ name: eg, namespace: infra }]\n${RULES}`);
    const unknown = routeBindingCheck(inputOf(CLASS, gw, route))[0]!;
    expect(unknown.message).toContain('Namespace apps is unknown');
    expect(unknown.fix).toBe('label namespace apps: kubectl label namespace apps env=prod');
  });

  it('suggests the sectionName and port of the closest listener', () => {
    const gw = gatewayYaml('eg', 'default', '  - { name: https, protocol: HTTP, port: 8443 }\n');
    const route = routeYaml('web', 'default', `  parentRefs: [{ name: eg, sectionName: http, port: 443 }]\n${RULES}`);
    const [finding] = routeBindingCheck(inputOf(CLASS, gw, route));
    expect(finding!.code).toBe('NoMatchingParent');
    expect(finding!.fix).toBe("set the parentRef's sectionName: https; and set the parentRef's port: 8443 (or remove port)");
  });

  it('suggests the route kind to allow, or the protocol a kind needs', () => {
    const gw = gatewayYaml('eg', 'default', '  - { name: h, protocol: HTTP, port: 80, allowedRoutes: { kinds: [{ kind: GRPCRoute }] } }\n');
    const route = routeYaml('web', 'default', `  parentRefs: [{ name: eg }]\n${RULES}`);
    expect(routeBindingCheck(inputOf(CLASS, gw, route))[0]!.fix).toBe("add { kind: HTTPRoute } to listener h's allowedRoutes.kinds");
    const tcp = routeYaml('db', 'default', '  parentRefs: [{ name: eg }]\n  rules: [{ backendRefs: [{ name: db, port: 5432 }] }]\n', 'TCPRoute');
    expect(routeBindingCheck(inputOf(CLASS, gw, tcp))[0]!.fix).toBe('attach the TCPRoute to a listener of protocol TCP (or TLS with tls.mode Terminate)');
  });

  it('points a Gateway parentRef at the ListenerSet whose listener would take the route', () => {
    // The Gateway's own listener fails two rules (kind, hostname); the ListenerSet's only one (parent).
    const gw = gatewayYaml('eg', 'default', '  - { name: grpc, protocol: HTTP, port: 80, hostname: a.example.com, allowedRoutes: { kinds: [{ kind: GRPCRoute }] } }\n', '  allowedListeners: { namespaces: { from: Same } }\n');
    const ls = `apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: { name: extra, namespace: default }
spec:
  parentRef: { name: eg }
  listeners:
  - { name: b, protocol: HTTP, port: 81, hostname: b.example.com }
`;
    const route = routeYaml('web', 'default', `  parentRefs: [{ name: eg }]\n  hostnames: [b.example.com]\n${RULES}`);
    const [finding] = routeBindingCheck(inputOf(CLASS, gw, ls, route));
    expect(finding!.message).toContain('Closest: listener b of ListenerSet default/extra');
    expect(finding!.fix).toBe('make the parentRef name the ListenerSet: { kind: ListenerSet, name: extra }');
  });

  it('says how to let a ListenerSet attach when its Gateway does not admit it', () => {
    const gw = gatewayYaml('eg', 'default', '  - { name: http, protocol: HTTP, port: 80 }\n');
    const ls = `apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: { name: extra, namespace: default }
spec:
  parentRef: { name: eg }
  listeners:
  - { name: b, protocol: HTTP, port: 81 }
`;
    const route = routeYaml('web', 'default', `  parentRefs: [{ kind: ListenerSet, name: extra }]\n${RULES}`);
    const [finding] = routeBindingCheck(inputOf(CLASS, gw, ls, route));
    expect(finding).toMatchObject({ level: 'FAIL', code: 'NoMatchingParent', gateway: 'default/eg' });
    expect(finding!.message).toContain('is not attached to Gateway default/eg');
    expect(finding!.fix).toContain('spec.allowedListeners.namespaces must admit namespace default');
  });

  it('fails a parentRef naming a Gateway that does not exist, listing those that do', () => {
    const gw = gatewayYaml('eg', 'default', '  - { name: http, protocol: HTTP, port: 80 }\n');
    const route = routeYaml('web', 'default', `  parentRefs: [{ name: eg }, { name: gw }]\n${RULES}`);
    const findings = routeBindingCheck(inputOf(CLASS, gw, route));
    expect(findings.map((f) => `${f.gateway} ${f.level} ${f.code}`)).toEqual(['default/gw FAIL ParentNotFound', 'default/eg OK Accepted']);
    expect(findings[0]!.fix).toContain('the Gateways in namespace default are eg');
  });

  it('leaves parentRefs to Gateways of other controllers alone', () => {
    const other = 'apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: { name: other }\nspec: { controllerName: example.com/x }\n';
    const gw = gatewayYaml('eg', 'default', '  - { name: http, protocol: HTTP, port: 80 }\n').replace('portico', 'other');
    const route = routeYaml('web', 'default', `  parentRefs: [{ name: eg }]\n${RULES}`);
    expect(routeBindingCheck(inputOf(CLASS, other, gw, route))).toEqual([]);
  });
});
