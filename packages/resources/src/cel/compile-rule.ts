/**
 * Compiles a CRD's CEL expression once (parse, plan, check every name it refers to) and caches it by its
 * text: the same rule sits in several versions and kinds of the Gateway API CRDs (407 rules, 96 distinct
 * texts in the v1.7.0 schemas Portico reads, XBackendTrafficPolicy included), and a rule is only compiled when a document first reaches the schema node it is on.
 */
import { celEnv, celError, isCelError, parse, plan, type CelInput, type CelResult } from '@bufbuild/cel';
import { RE2JS } from '@bufbuild/re2';
import { KUBERNETES_CEL_FUNCTIONS } from './kubernetes-cel-library.js';

/** A node of the parsed expression (cel.expr.Expr, which @bufbuild/cel does not re-export). */
type Expr = NonNullable<ReturnType<typeof parse>['expr']>;

/** The variables a CRD rule sees (apiextensions-apiserver cel ScopedVarName / OldScopedVarName). */
export interface RuleBindings {
  self: CelInput;
  oldSelf?: CelInput;
}

/** A compiled expression. */
export interface CompiledExpression {
  evaluate(bindings: RuleBindings): CelResult;
  /** It refers to `oldSelf`: a transition rule, which the API server evaluates only on update. */
  usesOldSelf: boolean;
}

/** Thrown when an expression does not compile; the message says why. */
export class CelCompileError extends Error {
  override readonly name = 'CelCompileError';
}

const VARIABLES = new Set(['self', 'oldSelf']);

/**
 * Calls the planner implements itself rather than through the function registry: the logical operators,
 * the conditional, indexing, and what the parser's macros expand to.
 */
const PLANNER_CALLS = new Set(['_&&_', '_||_', '_?_:_', '_[_]', '@not_strictly_false', '_?._', '_[?_]']);

let env: ReturnType<typeof celEnv> | undefined;

/**
 * `matches` with each pattern compiled once: @bufbuild/cel's own compiles the RE2 pattern on every call,
 * which was half of the rules' cost (every HTTPRoute path and hostname meets a pattern). The patterns
 * are those of the CRD rules, a fixed set, so the cache stays small.
 */
const regexes = new Map<string, RE2JS>();
const cachedRE2 = {
  compile(pattern: string) {
    let regex = regexes.get(pattern);
    if (!regex) {
      regex = RE2JS.compile(pattern);
      regexes.set(pattern, regex);
    }
    return regex;
  },
};
const cache = new Map<string, CompiledExpression | CelCompileError>();

/** The compiled form of `expression` (cached); throws CelCompileError if it does not compile. */
export function compileCelExpression(expression: string): CompiledExpression {
  let compiled = cache.get(expression);
  if (!compiled) {
    try {
      compiled = compile(expression);
    } catch (err) {
      compiled = err instanceof CelCompileError ? err : new CelCompileError((err as Error).message);
    }
    cache.set(expression, compiled);
  }
  if (compiled instanceof CelCompileError) throw compiled;
  return compiled;
}

function compile(expression: string): CompiledExpression {
  env ??= celEnv({ funcs: [...KUBERNETES_CEL_FUNCTIONS], re2: cachedRE2 });
  const parsed = parse(expression);
  const root = parsed.expr;
  if (!root) throw new CelCompileError('empty expression');
  const references = { usesOldSelf: false };
  checkReferences(root, new Set(), references);
  const program = plan(env, parsed);
  return {
    evaluate: (bindings) => {
      try {
        return program(bindings as unknown as Record<string, CelInput>);
      } catch (err) {
        // The evaluator reports errors as values; a throw (a bug in a function) must not escape either.
        return celError(err);
      }
    },
    usesOldSelf: references.usesOldSelf,
  };
}

/**
 * @bufbuild/cel resolves names when it evaluates; this makes an unknown function or variable a compile
 * error instead, as the API server's type checker does when a CRD is created.
 */
function checkReferences(expr: Expr, scope: ReadonlySet<string>, found: { usesOldSelf: boolean }): void {
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'identExpr':
      if (scope.has(kind.value.name)) return;
      if (!VARIABLES.has(kind.value.name)) throw new CelCompileError(`undeclared reference to '${kind.value.name}'`);
      if (kind.value.name === 'oldSelf') found.usesOldSelf = true;
      return;
    case 'selectExpr':
      if (kind.value.operand) checkReferences(kind.value.operand, scope, found);
      return;
    case 'callExpr': {
      const { target, args } = kind.value;
      const name = kind.value.function;
      const qualified = target ? qualifiedName(target) : undefined;
      if (qualified !== undefined && !scope.has(qualified.split('.')[0] as string) && env?.funcs.find(`${qualified}.${name}`)) {
        // A namespaced function such as `format.dns1123Subdomain()`: the target is its name, not a value.
      } else {
        if (!PLANNER_CALLS.has(name) && !env?.funcs.find(name)) throw new CelCompileError(`undeclared reference to '${name}'`);
        if (target) checkReferences(target, scope, found);
      }
      for (const arg of args) checkReferences(arg, scope, found);
      return;
    }
    case 'listExpr':
      for (const e of kind.value.elements) checkReferences(e, scope, found);
      return;
    case 'structExpr':
      for (const entry of kind.value.entries) {
        if (entry.keyKind.case === 'mapKey') checkReferences(entry.keyKind.value, scope, found);
        if (entry.value) checkReferences(entry.value, scope, found);
      }
      return;
    case 'comprehensionExpr': {
      const c = kind.value;
      if (c.iterRange) checkReferences(c.iterRange, scope, found);
      if (c.accuInit) checkReferences(c.accuInit, scope, found);
      const inner = new Set([...scope, c.iterVar, c.accuVar, ...(c.iterVar2 ? [c.iterVar2] : [])]);
      for (const e of [c.loopCondition, c.loopStep, c.result]) if (e) checkReferences(e, inner, found);
      return;
    }
    default:
      return;
  }
}

/** `a.b.c` for an identifier or a chain of field selections on one, else undefined. */
function qualifiedName(expr: Expr): string | undefined {
  const kind = expr.exprKind;
  if (kind.case === 'identExpr') return kind.value.name;
  if (kind.case === 'selectExpr' && !kind.value.testOnly && kind.value.operand) {
    const operand = qualifiedName(kind.value.operand);
    return operand === undefined ? undefined : `${operand}.${kind.value.field}`;
  }
  return undefined;
}

/** A CEL evaluation error's text, in cel-go's words where they differ (`no such key: x`). */
export function celErrorText(result: CelResult): string | undefined {
  if (!isCelError(result)) return undefined;
  return result.message.replace(/^field not found: /, 'no such key: ');
}
