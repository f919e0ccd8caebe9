/**
 * Evaluates a CRD schema's CEL rules (`x-kubernetes-validations`) on an object, as the API server does
 * on create (k8s.io/apiextensions-apiserver pkg/apiserver/schema/cel/validation.go): each rule at the
 * schema node it sits on, with `self` bound to that node's value, on the defaulted object; nodes that are
 * absent or null are not evaluated; transition rules (those that read `oldSelf`) are skipped, as there is
 * no old object, unless they opt in with `optionalOldSelf` (then `oldSelf` is an empty optional).
 *
 * The API server reports every failed rule; like a schema error, the first one (parents before children,
 * rules in order) is what this returns, with the API server's wording.
 */
import { isCelError, type CelInput } from '@bufbuild/cel';
import type { SchemaObject } from 'ajv';
import type { FieldPathSegment } from '../loading/errors.js';
import { celErrorText, compileCelExpression, type CompiledExpression } from './compile-rule.js';
import { toCelValue } from './cel-value.js';
import { formatFieldError, invalidValueBody, type ValidationRule } from './rule-errors.js';
import { parseRuleFieldPath } from './rule-field-path.js';

/** Why an object fails one of its CEL rules. */
export interface CelRuleViolation {
  /** The field the API server names: the rule's node, then the rule's `fieldPath` below it. */
  path: FieldPathSegment[];
  /**
   * The API server's error body (Kubernetes 1.35 wording): `Invalid value: <message>` for an object or a
   * list, `Invalid value: "text": <message>` for a scalar, `Invalid value: "object": <error> evaluating
   * rule: <message>` when the rule fails to evaluate, `Forbidden: …` / `Required value: …` per `reason`.
   */
  detail: string;
}

interface NodeRules {
  rules: readonly ValidationRule[];
  /** True when this node or one below it has rules: subtrees without any are not walked. */
  any: boolean;
}

const nodeRules = new WeakMap<SchemaObject, NodeRules>();

/** Checks `object` against the rules in `schema` (a kind's openAPIV3Schema, status left out). */
export function validateCelRules(object: unknown, schema: SchemaObject): CelRuleViolation | undefined {
  return walk(object, schema, [], new Map());
}

/** `path` is a stack shared by the whole walk (copied only into a violation): most nodes pass. */
function walk(value: unknown, schema: SchemaObject, path: FieldPathSegment[], cache: Map<object, CelInput>): CelRuleViolation | undefined {
  if (value === null || value === undefined) return undefined;
  const node = rulesOf(schema);
  if (!node.any) return undefined;
  for (const rule of node.rules) {
    const violation = evaluateRule(rule, value, schema, path, cache);
    if (violation) return violation;
  }
  if (Array.isArray(value)) {
    const items = schemaAt(schema.items);
    if (!items) return undefined;
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      const violation = walk(value[i], items, path, cache);
      path.pop();
      if (violation) return violation;
    }
    return undefined;
  }
  if (typeof value !== 'object') return undefined;
  const properties = schema.properties as Record<string, SchemaObject> | undefined;
  const additional = schemaAt(schema.additionalProperties);
  for (const key in value) {
    const childSchema = properties?.[key] ?? additional;
    if (!childSchema) continue;
    path.push(key);
    const violation = walk((value as Record<string, unknown>)[key], childSchema, path, cache);
    path.pop();
    if (violation) return violation;
  }
  return undefined;
}

function evaluateRule(
  rule: ValidationRule,
  value: unknown,
  schema: SchemaObject,
  path: FieldPathSegment[],
  cache: Map<object, CelInput>,
): CelRuleViolation | undefined {
  let program: CompiledExpression;
  const schemaType = typeof schema.type === 'string' ? schema.type : '';
  try {
    program = compileCelExpression(rule.rule);
  } catch (err) {
    // The API server refuses such a CRD; had it one, each object would get this error.
    return { path: [...path], detail: invalidValueBody(schemaType, `rule compile error: ${(err as Error).message}`) };
  }
  if (program.usesOldSelf && !rule.optionalOldSelf) return undefined;
  const bindings = { self: toCelValue(value, schema, cache), ...(program.usesOldSelf ? { oldSelf: [] } : {}) };
  const result = program.evaluate(bindings);
  if (result === true) return undefined;
  const failure = celErrorText(result);
  if (failure !== undefined) {
    // validation.go: `field.Invalid(fldPath, sts.Type, "<error> evaluating rule: <rule>")`, at the node.
    return { path: [...path], detail: invalidValueBody(schemaType, `${failure} evaluating rule: ${ruleErrorString(rule)}`) };
  }
  const at = [...path, ...(rule.fieldPath ? parseRuleFieldPath(rule.fieldPath) : [])];
  return { path: at, detail: formatFieldError(rule.reason, shownValue(value, schemaType), messageOf(rule, bindings)) };
}

/** validation.go: the value of an object or array is left out of the message; a scalar's is quoted. */
const shownValue = (value: unknown, schemaType: string): unknown =>
  schemaType === 'object' || schemaType === 'array' ? undefined : value;

/** The rule's `messageExpression` when it evaluates to a usable message, else ruleMessageOrDefault. */
function messageOf(rule: ValidationRule, bindings: { self: CelInput }): string {
  if (rule.messageExpression) {
    let program: CompiledExpression | undefined;
    try {
      program = compileCelExpression(rule.messageExpression);
    } catch {
      program = undefined;
    }
    const result = program?.evaluate(bindings);
    if (typeof result === 'string' && !isCelError(result)) {
      // evalMessageExpression: trimmed, non-empty, one line, at most 5 KiB; otherwise the static message.
      const message = result.trim();
      if (message !== '' && !message.includes('\n') && Buffer.byteLength(message) <= 5 * 1024) return message;
    }
  }
  return rule.message?.trim() ? rule.message.trim() : `failed rule: ${ruleErrorString(rule)}`;
}

/** validation.go ruleErrorString. */
const ruleErrorString = (rule: ValidationRule) => (rule.message?.trim() ? rule.message.trim() : rule.rule.trim());

function rulesOf(schema: SchemaObject): NodeRules {
  let node = nodeRules.get(schema);
  if (!node) {
    const rules = (Array.isArray(schema['x-kubernetes-validations']) ? schema['x-kubernetes-validations'] : []) as ValidationRule[];
    const children = [
      ...Object.values((schema.properties ?? {}) as Record<string, SchemaObject>),
      schemaAt(schema.items),
      schemaAt(schema.additionalProperties),
    ].filter((s): s is SchemaObject => s !== undefined);
    node = { rules, any: rules.length > 0 || children.some((c) => rulesOf(c).any) };
    nodeRules.set(schema, node);
  }
  return node;
}

const schemaAt = (s: unknown): SchemaObject | undefined =>
  typeof s === 'object' && s !== null && !Array.isArray(s) ? (s as SchemaObject) : undefined;
