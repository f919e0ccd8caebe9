/**
 * RateLimitPolicy (gateway.portico.dev/v1alpha1) is validated like the Gateway API kinds: its CRD's
 * schema (bounds, enums, defaults) and CEL rules, as `kubectl apply` would meet them.
 */
import { ResourceLoadError } from '../loading/errors.js';
import { parseResources } from '../loading/parse-resources.js';
import type { RateLimitPolicy } from '../model/rate-limit-policy.js';

const policy = (spec: string) =>
  `apiVersion: gateway.portico.dev/v1alpha1\nkind: RateLimitPolicy\nmetadata: { name: p, namespace: apps }\nspec:\n  targetRefs: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, name: web }]\n${spec}`;

function refusal(yaml: string): string | undefined {
  try {
    parseResources(yaml, 'in.yaml');
    return undefined;
  } catch (err) {
    if (!(err instanceof ResourceLoadError)) throw err;
    return err.message;
  }
}

describe('RateLimitPolicy schema and CEL rules', () => {
  it('accepts a shared and header-selected rules and applies the responseHeaders default', () => {
    const { objects } = parseResources(
      policy(
        '  local:\n    rules:\n    - limit: { requests: 10, unit: Second }\n' +
          '    - limit: { requests: 2, unit: Minute }\n      clientSelector: { header: { name: x-tenant, value: free } }\n' +
          '    - limit: { requests: 50, unit: Hour }\n      clientSelector: { header: { name: x-tenant, value: gold } }\n' +
          '    - limit: { requests: 5, unit: Minute }\n      clientSelector: { header: { name: x-user } }\n' +
          '    - limit: { requests: 9, unit: Minute }\n      clientSelector: { sourceIP: true }\n',
      ),
      'in.yaml',
    );
    const spec = (objects[0] as RateLimitPolicy).spec;
    expect(spec.responseHeaders).toBe(true);
    expect(spec.local?.rules).toHaveLength(5);
  });

  it('accepts global rules (Day too), alone or with local ones', () => {
    const { objects } = parseResources(
      policy(
        '  local: { rules: [{ limit: { requests: 10, unit: Second } }] }\n' +
          '  global:\n    rules:\n    - limit: { requests: 1000, unit: Day }\n' +
          '    - limit: { requests: 5, unit: Minute }\n      clientSelector: { header: { name: x-user } }\n',
      ),
      'in.yaml',
    );
    expect((objects[0] as RateLimitPolicy).spec.global?.rules).toHaveLength(2);
    expect(refusal(policy('  global: { rules: [{ limit: { requests: 3, unit: Minute }, clientSelector: { sourceIP: true } }] }\n'))).toBeUndefined();
  });

  it.each([
    ['a policy without limits', '', 'a RateLimitPolicy needs local or global limits (or both)'],
    ['a global policy without rules', '  global: { rules: [] }\n', 'spec.global.rules'],
    ['two global rules without selector', '  global: { rules: [{ limit: { requests: 1, unit: Day } }, { limit: { requests: 5, unit: Minute } }] }\n', 'at most one rule may have no clientSelector'],
    ['a global unit that is not one', '  global: { rules: [{ limit: { requests: 1, unit: Week } }] }\n', 'must be one of: Second, Minute, Hour, Day'],
    ['no rules', '  local: { rules: [] }\n', 'spec.local.rules'],
    ['zero requests', '  local: { rules: [{ limit: { requests: 0, unit: Second } }] }\n', 'must be >= 1'],
    ['an unknown unit', '  local: { rules: [{ limit: { requests: 1, unit: Day } }] }\n', 'must be one of: Second, Minute, Hour'],
    ['an empty selector', '  local: { rules: [{ limit: { requests: 1, unit: Second }, clientSelector: {} }] }\n', 'a clientSelector needs exactly one of header and sourceIP'],
    ['a selector with header and sourceIP', '  local: { rules: [{ limit: { requests: 1, unit: Second }, clientSelector: { sourceIP: true, header: { name: x-a } } }] }\n', 'a clientSelector needs exactly one of header and sourceIP'],
    ['sourceIP: false', '  local: { rules: [{ limit: { requests: 1, unit: Second }, clientSelector: { sourceIP: false } }] }\n', 'sourceIP can only be true'],
    ['sourceIP selected twice', '  local: { rules: [{ limit: { requests: 1, unit: Second }, clientSelector: { sourceIP: true } }, { limit: { requests: 9, unit: Hour }, clientSelector: { sourceIP: true } }] }\n', 'sourceIP may be selected by one rule only'],
    ['an empty header value', '  local: { rules: [{ limit: { requests: 1, unit: Second }, clientSelector: { header: { name: x-a, value: "" } } }] }\n', 'clientSelector.header.value'],
    ['a header name that is not a token', '  local: { rules: [{ limit: { requests: 1, unit: Second }, clientSelector: { header: { name: "x a", value: v } } }] }\n', 'clientSelector.header.name'],
    ['two rules without selector', '  local: { rules: [{ limit: { requests: 1, unit: Second } }, { limit: { requests: 5, unit: Minute } }] }\n', 'at most one rule may have no clientSelector'],
    [
      'one header value selected twice (names are case-insensitive)',
      '  local:\n    rules:\n    - { limit: { requests: 1, unit: Second }, clientSelector: { header: { name: X-A, value: v } } }\n    - { limit: { requests: 2, unit: Second }, clientSelector: { header: { name: x-a, value: v } } }\n',
      'a header may be selected by one rule per value, and either with values or without',
    ],
    [
      'a header selected both with and without value',
      '  local:\n    rules:\n    - { limit: { requests: 1, unit: Second }, clientSelector: { header: { name: x-a } } }\n    - { limit: { requests: 2, unit: Second }, clientSelector: { header: { name: x-a, value: v } } }\n',
      'a header may be selected by one rule per value, and either with values or without',
    ],
  ])('refuses %s', (_what, spec, message) => {
    expect(refusal(policy(spec))).toContain(message);
  });
});
