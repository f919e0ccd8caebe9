/**
 * The size limits the Kubernetes API server puts on what it stores, applied to every loaded object so
 * that a file can never hold what `kubectl apply` would be refused, and a YAML document can never grow
 * (through aliases) far past the text it was written in.
 */
import { isAlias, isCollection, isPair, isScalar, visit, type Document, type Node } from 'yaml';

/**
 * etcd's default `--max-request-bytes` (1.5 MiB): the API server cannot store a bigger object
 * ("etcdserver: request is too large").
 */
export const MAX_OBJECT_BYTES = 1_572_864;

/**
 * apimachinery `ValidateAnnotations` (`pkg/api/validation/objectmeta.go`): keys and values together
 * at most `TotalAnnotationSizeLimitB` = 256 KiB.
 */
export const MAX_ANNOTATIONS_BYTES = 262_144;

/**
 * How many bytes aliases may add to one YAML document, whatever their number: an object cannot be
 * larger than MAX_OBJECT_BYTES anyway, and a 1 MiB string aliased 99 times (a "billion laughs") must be
 * refused before it is expanded, not after.
 */
export const MAX_ALIAS_EXPANSION_BYTES = MAX_OBJECT_BYTES;

/** Bytes of a value as the API server counts them (UTF-8). */
export const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** `1,572,864 bytes (1.5 MiB)`: exact, and readable. */
export function formatBytes(bytes: number): string {
  const exact = `${bytes.toLocaleString('en-US')} bytes`;
  if (bytes < 1024) return exact;
  const [unit, size] = bytes >= 1024 * 1024 ? ['MiB', bytes / (1024 * 1024)] : ['KiB', bytes / 1024];
  return `${exact} (${Number(size.toFixed(1))} ${unit})`;
}

/** The total size of `annotations` as ValidateAnnotations counts it: every key plus every value. */
export function annotationsBytes(annotations: Record<string, unknown>): number {
  let total = 0;
  for (const [key, value] of Object.entries(annotations)) total += utf8Bytes(key) + (typeof value === 'string' ? utf8Bytes(value) : 0);
  return total;
}

/**
 * How many bytes the aliases of `doc` add once expanded, without expanding them: the tree is walked as
 * written, and each alias adds the expanded size of its anchored node (computed once per node, aliases
 * inside it included). Exponential bombs cost one walk and end up as a (large) number.
 */
export function aliasExpansionBytes(doc: Document): number {
  const sizes = new Map<Node, number>();
  const expanding = new Set<Node>();
  const expandedSize = (node: unknown): number => {
    if (isAlias(node)) {
      const target = node.resolve(doc);
      // An alias to nothing, or inside its own anchor, is refused by toJS with its own message.
      return target && !expanding.has(target) ? expandedSize(target) : 0;
    }
    if (isScalar(node)) return String(node.value ?? '').length;
    if (isPair(node)) return expandedSize(node.key) + expandedSize(node.value);
    if (!isCollection(node)) return 0;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    expanding.add(node);
    let total = 0;
    for (const item of node.items) total += expandedSize(item);
    expanding.delete(node);
    sizes.set(node, total);
    return total;
  };
  let added = 0;
  visit(doc, {
    Alias(_key, node) {
      added += expandedSize(node);
    },
  });
  return added;
}
