/**
 * The worker thread of parse-file.ts: texts in, parsed objects (or the load error's details) out. The
 * objects cross back serialized in slices (transferred), which the main thread reads a slice per turn.
 */
import { parentPort } from 'node:worker_threads';
import { ResourceLoadError } from '@portico/resources';
import { serializeInSlices } from '../serialized-slices.js';
import { OBJECTS_PER_SLICE, parseText, type TextFormat, type WorkerAnswer } from './parse-file.js';

parentPort?.on('message', ({ id, text, source, format }: { id: number; text: string; source: string; format: TextFormat }) => {
  let answer: WorkerAnswer;
  try {
    const { objects, warnings, objectsHash } = parseText(text, source, format);
    answer = { id, parsed: { warnings, objectsHash }, objects: serializeInSlices(objects, OBJECTS_PER_SLICE) };
  } catch (err) {
    answer =
      err instanceof ResourceLoadError
        ? { id, error: { code: err.code, source: err.source, document: err.document, path: err.path, object: err.object, line: err.line, column: err.column, detail: err.detail } }
        : { id, bug: `${source}: ${(err as Error).message}` };
  }
  parentPort!.postMessage(answer, 'objects' in answer ? [answer.objects.buffer] : []);
});
