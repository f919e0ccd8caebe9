/**
 * The worker thread of parse-file.ts: texts in, parsed objects (or the load error's details) out. The
 * objects cross back by structured clone, which costs the main thread a fraction of the parse.
 */
import { parentPort } from 'node:worker_threads';
import { ResourceLoadError } from '@portico/resources';
import { parseText, type TextFormat, type WorkerAnswer } from './parse-file.js';

parentPort?.on('message', ({ id, text, source, format }: { id: number; text: string; source: string; format: TextFormat }) => {
  let answer: WorkerAnswer;
  try {
    answer = { id, parsed: parseText(text, source, format) };
  } catch (err) {
    answer =
      err instanceof ResourceLoadError
        ? { id, error: { code: err.code, source: err.source, document: err.document, path: err.path, object: err.object, line: err.line, column: err.column, detail: err.detail } }
        : { id, bug: `${source}: ${(err as Error).message}` };
  }
  parentPort!.postMessage(answer);
});
