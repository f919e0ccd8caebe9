import type { SchemaObject } from 'ajv';
import { parseRuleFieldPath } from './rule-field-path.js';
import { validateCelRules } from './validate-cel-rules.js';

const object = (properties: Record<string, SchemaObject>, rules?: SchemaObject[]): SchemaObject => ({
  type: 'object',
  properties,
  ...(rules ? { 'x-kubernetes-validations': rules } : {}),
});

describe('validateCelRules', () => {
  const rewrite = object({ type: { type: 'string' }, replaceFullPath: { type: 'string' } }, [
    { rule: "self.type == 'ReplaceFullPath' ? has(self.replaceFullPath) : true", message: 'replaceFullPath must be specified' },
  ]);
  const schema = object({ spec: object({ rewrites: { type: 'array', items: rewrite } }) });

  it('evaluates a rule at its node with self bound to the node, and names the node', () => {
    expect(validateCelRules({ spec: { rewrites: [{ type: 'ReplaceFullPath', replaceFullPath: '/' }] } }, schema)).toBeUndefined();
    expect(validateCelRules({ spec: { rewrites: [{ type: 'X' }, { type: 'ReplaceFullPath' }] } }, schema)).toEqual({
      path: ['spec', 'rewrites', 1],
      detail: 'Invalid value: replaceFullPath must be specified',
    });
  });

  it('skips absent and null nodes', () => {
    expect(validateCelRules({ spec: {} }, schema)).toBeUndefined();
    expect(validateCelRules({ spec: { rewrites: [null] } }, schema)).toBeUndefined();
  });

  it('parents before children, rules in order; the first failure is returned', () => {
    const s = object({ a: object({ b: { type: 'string', 'x-kubernetes-validations': [{ rule: "self != 'x'", message: 'child' }] } }, [
      { rule: 'true', message: 'never' },
      { rule: "self.b != 'x'", message: 'parent' },
    ]) });
    expect(validateCelRules({ a: { b: 'x' } }, s)?.detail).toBe('Invalid value: parent');
  });

  it('a scalar node shows its value, as field.Invalid does', () => {
    const s = object({ port: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self < 100', message: 'too big' }] }, host: { type: 'string', 'x-kubernetes-validations': [{ rule: "self != 'bad'" }] } });
    expect(validateCelRules({ port: 200 }, s)).toEqual({ path: ['port'], detail: 'Invalid value: 200: too big' });
    // Without a message: "failed rule: <rule>".
    expect(validateCelRules({ host: 'bad' }, s)).toEqual({ path: ['host'], detail: `Invalid value: "bad": failed rule: self != 'bad'` });
  });

  it('skips transition rules on create, unless they opt in with optionalOldSelf', () => {
    const s = object({ name: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'immutable' }] } });
    expect(validateCelRules({ name: 'x' }, s)).toBeUndefined();
    const optional = object({ name: { type: 'string', 'x-kubernetes-validations': [{ rule: "!oldSelf.hasValue() && self != 'x'", message: 'no x', optionalOldSelf: true }] } });
    expect(validateCelRules({ name: 'x' }, optional)?.detail).toBe('Invalid value: "x": no x');
    expect(validateCelRules({ name: 'y' }, optional)).toBeUndefined();
  });

  it('honours fieldPath and reason', () => {
    const rules = (reason?: string) =>
      object({ spec: object({ min: { type: 'integer' }, max: { type: 'integer' } }, [
        { rule: 'self.min <= self.max', message: 'min must not exceed max', fieldPath: '.min', ...(reason ? { reason } : {}) },
      ]) });
    const bad = { spec: { min: 5, max: 1 } };
    expect(validateCelRules(bad, rules())).toEqual({ path: ['spec', 'min'], detail: 'Invalid value: min must not exceed max' });
    expect(validateCelRules(bad, rules('FieldValueForbidden'))?.detail).toBe('Forbidden: min must not exceed max');
    expect(validateCelRules(bad, rules('FieldValueRequired'))?.detail).toBe('Required value: min must not exceed max');
    expect(validateCelRules(bad, rules('FieldValueDuplicate'))?.detail).toBe('Duplicate value');
  });

  it('evaluates messageExpression, falling back to message when it fails or is empty', () => {
    const withMessage = (messageExpression: string) =>
      object({ n: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self < 10', message: 'static', messageExpression }] } });
    expect(validateCelRules({ n: 12 }, withMessage("'n is ' + string(self) + ', over 10'"))?.detail).toBe('Invalid value: 12: n is 12, over 10');
    expect(validateCelRules({ n: 12 }, withMessage("'  '"))?.detail).toBe('Invalid value: 12: static');
    expect(validateCelRules({ n: 12 }, withMessage('self.noSuchField'))?.detail).toBe('Invalid value: 12: static');
    expect(validateCelRules({ n: 12 }, withMessage("'two\\nlines'"))?.detail).toBe('Invalid value: 12: static');
  });

  it('an evaluation error is reported at the node, with the type and the rule', () => {
    const s = object({ tls: object({ mode: { type: 'string' }, refs: { type: 'array' } }, [
      { rule: "self.mode == 'Terminate' ? size(self.refs) > 0 : true", message: 'refs required' },
    ]) });
    expect(validateCelRules({ tls: { mode: 'Terminate' } }, s)).toEqual({
      path: ['tls'],
      detail: 'Invalid value: "object": no such key: refs evaluating rule: refs required',
    });
  });

  it('an expression that does not compile fails every object that reaches it', () => {
    const s = object({ a: { type: 'string', 'x-kubernetes-validations': [{ rule: 'nope(self)' }] } });
    expect(validateCelRules({ a: 'x' }, s)?.detail).toBe(`Invalid value: "string": rule compile error: undeclared reference to 'nope'`);
  });

  it('reads escaped field names and map keys', () => {
    const s = object({ ref: object({ namespace: { type: 'string' } }, [{ rule: "!has(self.__namespace__) || self.__namespace__ != 'kube-system'", message: 'no' }]) });
    expect(validateCelRules({ ref: { namespace: 'kube-system' } }, s)?.path).toEqual(['ref']);
    expect(validateCelRules({ ref: {} }, s)).toBeUndefined();
  });
});

describe('parseRuleFieldPath', () => {
  it.each([
    ['.spec.min', ['spec', 'min']],
    [".labels['app.io/x']", ['labels', 'app.io/x']],
    ["['it\\'s']", ["it's"]],
    ['spec', []],
    ['.a[0]', []],
  ])('%s', (path, segments) => expect(parseRuleFieldPath(path)).toEqual(segments));
});
