import { gatewayApiSchemaFile } from '../validation/gateway-api-schemas.js';
import { CelCompileError, compileCelExpression } from './compile-rule.js';
import type { ValidationRule } from './rule-errors.js';

/** Every `x-kubernetes-validations` rule in the generated schema file, with where it sits. */
function allRules(): { where: string; rule: ValidationRule }[] {
  const found: { where: string; rule: ValidationRule }[] = [];
  const walk = (node: unknown, where: string): void => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}[${i}]`));
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'x-kubernetes-validations') for (const rule of value as ValidationRule[]) found.push({ where, rule });
      else if (!['default', 'enum', 'required', 'x-kubernetes-list-map-keys'].includes(key)) walk(value, `${where}/${key}`);
    }
  };
  walk(gatewayApiSchemaFile().schemas, '');
  return found;
}

describe('compileCelExpression', () => {
  const rules = allRules();

  it('compiles every rule (and message expression) of the Gateway API CRDs', () => {
    expect(rules.length).toBeGreaterThan(300);
    const failures: string[] = [];
    for (const { where, rule } of rules) {
      for (const expression of [rule.rule, rule.messageExpression].filter((e): e is string => e !== undefined)) {
        try {
          compileCelExpression(expression);
        } catch (err) {
          failures.push(`${where}: ${expression}: ${(err as Error).message}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('tells transition rules (those that read oldSelf) from the others', () => {
    const transition = rules.filter(({ rule }) => compileCelExpression(rule.rule).usesOldSelf).map(({ rule }) => rule.rule);
    expect(new Set(transition)).toEqual(new Set(['self == oldSelf']));
    expect(compileCelExpression("self.all(x, x.oldSelf == 'a')").usesOldSelf).toBe(false);
  });

  it('refuses a syntax error, an unknown function and an unknown variable', () => {
    expect(() => compileCelExpression('self.a ==')).toThrow(CelCompileError);
    expect(() => compileCelExpression('isHostname(self)')).toThrow("undeclared reference to 'isHostname'");
    expect(() => compileCelExpression('self.noSuchMethod()')).toThrow("undeclared reference to 'noSuchMethod'");
    expect(() => compileCelExpression('other == 1')).toThrow("undeclared reference to 'other'");
    expect(() => compileCelExpression('self.all(x, y == 1)')).toThrow("undeclared reference to 'y'");
    expect(() => compileCelExpression('format.noSuchFormat().validate(self)')).toThrow(CelCompileError);
  });

  it('compiles once: the same text gives the same program', () => {
    expect(compileCelExpression('self.size() > 0')).toBe(compileCelExpression('self.size() > 0'));
  });

  it('evaluates with self (and oldSelf) bound', () => {
    expect(compileCelExpression('self.a + 1 == 2').evaluate({ self: new Map([['a', 1n]]) })).toBe(true);
    expect(compileCelExpression('self == oldSelf').evaluate({ self: 'x', oldSelf: 'y' })).toBe(false);
  });
});
