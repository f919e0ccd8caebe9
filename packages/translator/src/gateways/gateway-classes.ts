/**
 * GatewayClass acceptance (gatewayclass_types.go): a class is ours when its `controllerName` is ours;
 * we then report Accepted and the features we support.
 */
import type { GatewayClass } from '@portico/resources';
import { conditionFactory } from '../status/conditions.js';
import { containObject, failureMessage, TRANSLATION_ERROR } from '../containment.js';
import { setStatus, type TranslationContext } from '../context.js';
import { SUPPORTED_FEATURES } from '../supported-features.js';

/** Names of our GatewayClasses that are Accepted. */
export function acceptGatewayClasses(ctx: TranslationContext): Set<string> {
  const accepted = new Set<string>();
  for (const gc of ctx.resources.list('GatewayClass')) {
    // `spec?.`: a class without spec (the CRD requires one) names no controller, so it is not ours.
    if (gc.spec?.controllerName !== ctx.options.controllerName) continue;
    const c = conditionFactory(gc.metadata.generation, ctx.options.now);
    const condition = containObject(
      ctx,
      gc,
      () => {
        const problem = parametersProblem(gc);
        if (!problem) accepted.add(gc.metadata.name);
        return problem
          ? c('Accepted', false, 'InvalidParameters', problem)
          : c('Accepted', true, 'Accepted', `GatewayClass is accepted by ${ctx.options.controllerName}`);
      },
      (failure) => c('Accepted', false, TRANSLATION_ERROR, failureMessage(failure)),
    );
    setStatus(ctx, {
      kind: 'GatewayClass',
      name: gc.metadata.name,
      status: { conditions: [condition], supportedFeatures: SUPPORTED_FEATURES.map((name) => ({ name })) },
    });
  }
  return accepted;
}

/** Portico takes no parameters object yet: naming one is a mistake the user must see. */
function parametersProblem(gc: GatewayClass): string | undefined {
  const ref = gc.spec.parametersRef;
  if (!ref) return undefined;
  return `parametersRef ${ref.group}/${ref.kind} ${ref.name} is not supported: this controller takes no parameters`;
}
