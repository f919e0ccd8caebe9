/**
 * Which Ingresses are ours, grouped by IngressClass (networking/v1 IngressClass, Ingress
 * `spec.ingressClassName`, and the DefaultIngressClass admission plugin):
 * - An IngressClass is ours when `spec.controller` is our Ingress controller name.
 * - An Ingress names its class with `spec.ingressClassName`; without it, with the deprecated
 *   `kubernetes.io/ingress.class` annotation (its value read as an IngressClass name). Either one
 *   decides alone: naming a class that is not ours, or does not exist, makes the Ingress not ours.
 * - With neither, the Ingress belongs to the cluster's default class, the IngressClass annotated
 *   `ingressclass.kubernetes.io/is-default-class: "true"`, when that class is ours. The default is a
 *   cluster-wide choice among all IngressClasses, not only ours. When several are marked default, we
 *   pick as the admission plugin does since Kubernetes 1.25 (kubernetes/kubernetes#110974): the newest,
 *   then the first by name. (Before 1.25 the plugin refused to create such an Ingress at all.) The
 *   plugin only acts when an Ingress is created; an Ingress stored without a class is one created when
 *   no default existed, and picking the same class the plugin would pick now keeps the two consistent.
 */
import {
  DEFAULT_INGRESS_CLASS_ANNOTATION,
  LEGACY_INGRESS_CLASS_ANNOTATION,
  type Ingress,
  type IngressClass,
} from '@portico/resources';
import { compareAge, compareCreationTimestamps, type TranslationContext } from '../context.js';
import { containObject } from '../containment.js';

/** One of our IngressClasses and its Ingresses, oldest first. */
export interface IngressClassGroup {
  className: string;
  ingresses: Ingress[];
}

/**
 * Every IngressClass of ours with its Ingresses, by class name; each becomes one gateway. A class
 * without Ingresses is included: its gateway, and so its Envoy Deployment and load-balancer address,
 * lives as long as the IngressClass does, like a Gateway's, rather than coming and going with the
 * last Ingress (which would change the address and start a new Envoy each time).
 */
export function collectIngressClasses(ctx: TranslationContext): IngressClassGroup[] {
  const classes = ctx.resources.list('IngressClass');
  // `spec?.`: a class without spec names no controller, so it is not ours.
  const groups = new Map<string, Ingress[]>(classes.filter((c) => c.spec?.controller === ctx.options.ingressControllerName).map((c) => [c.metadata.name, []]));
  const fallback = defaultIngressClass(classes)?.metadata.name;
  for (const ingress of ctx.resources.list('Ingress')) {
    // An Ingress whose class cannot be read is left out (containment.ts), not the whole list.
    const className = containObject(ctx, ingress, () => requestedClass(ingress) ?? fallback, () => undefined);
    if (className !== undefined) groups.get(className)?.push(ingress);
  }
  return [...groups]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([className, ingresses]) => ({ className, ingresses: ingresses.sort(compareAge) }));
}

/**
 * The class an Ingress asks for itself, or undefined when it leaves the choice to the default. An empty
 * `ingressClassName` counts as set (the admission plugin does not default it), and names no class.
 */
export function requestedClass(ingress: Ingress): string | undefined {
  if (ingress.spec?.ingressClassName !== undefined) return ingress.spec.ingressClassName;
  return ingress.metadata.annotations?.[LEGACY_INGRESS_CLASS_ANNOTATION];
}

/** The cluster's default IngressClass: the newest marked default, then the first by name. */
export function defaultIngressClass(classes: readonly IngressClass[]): IngressClass | undefined {
  const marked = classes.filter((c) => c.metadata.annotations?.[DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true');
  marked.sort(
    (a, b) =>
      compareCreationTimestamps(b.metadata.creationTimestamp, a.metadata.creationTimestamp) ||
      (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0),
  );
  return marked[0];
}
