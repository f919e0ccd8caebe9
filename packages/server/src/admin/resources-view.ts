/**
 * `/debug/resources`: the objects the server translated, as its provider holds them (without the
 * statuses, which /debug/status has), so that `portico diagnose --admin` can check what the statuses
 * alone do not say: Services and their ports, EndpointSlices, Namespaces and their labels,
 * ReferenceGrants. Secret data never leaves the process: a Secret is printed with its type and the
 * names of its keys (annotation `portico.dev/redacted-keys`), and without annotations or
 * managedFields, where `kubectl apply` keeps a copy of the data.
 */
import type { KubeObject } from '@portico/resources';
import { LazyList } from './document-chunks.js';
import type { DebugData, ViewResult } from './debug-views.js';
import { documentChunks } from './document-chunks.js';

/** Where the names of a redacted Secret's keys are kept. */
export const REDACTED_KEYS_ANNOTATION = 'portico.dev/redacted-keys';

/**
 * `{ controllerName, generation, objects }`. Every object, whatever `gateway` asks for: what one
 * gateway depends on (Namespaces, grants, Services in other namespaces) is not known before checking.
 */
export function resourcesView(data: DebugData): ViewResult {
  const state = data.state();
  if (!state) return { status: 503, error: 'no snapshot translated yet' };
  const objects = new LazyList(function* () {
    for (const object of state.objects) yield withoutStatus(object.kind === 'Secret' ? redactSecret(object) : object);
  });
  const document = { controllerName: data.controllerName, generation: state.generation, objects };
  return { status: 200, chunks: (format) => documentChunks(document, format) };
}

function withoutStatus(object: KubeObject): KubeObject {
  const { status: _status, ...rest } = object as KubeObject & { status?: unknown };
  return rest;
}

/** A Secret with its type and key names only. */
export function redactSecret(secret: KubeObject): KubeObject {
  const { data, stringData, metadata, ...rest } = secret as KubeObject & { data?: Record<string, unknown>; stringData?: Record<string, unknown> };
  const { annotations: _annotations, managedFields: _managedFields, ...meta } = metadata as KubeObject['metadata'] & { managedFields?: unknown };
  const keys = [...new Set([...Object.keys(data ?? {}), ...Object.keys(stringData ?? {})])].sort();
  return { ...rest, metadata: { ...meta, annotations: { [REDACTED_KEYS_ANNOTATION]: keys.join(',') } } } as KubeObject;
}
