/**
 * Parsing a resource file's text into objects: inline for small texts, on a worker thread for large
 * ones. YAML parsing and schema validation run at ~0.5 MB/s, so a 3 MB file of 10k routes would
 * otherwise hold the event loop (xDS pushes, /healthz) for seconds.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { parseJsonResources, parseResources, ResourceLoadError, type Resource, type ResourceLoadErrorDetails } from '@portico/resources';
import { deserializeInSlices, type SerializedSlices } from '../serialized-slices.js';

/** A text that parsed. */
export interface ParsedFile {
  objects: Resource[];
  /** `document N: message`. */
  warnings: string[];
  /** sha256 of the objects (see GoodVersion.objectsHash). */
  objectsHash: string;
}

/** `yaml` (any resource file) or `json` (machine-written JSON, parsed faster, no line numbers in errors). */
export type TextFormat = 'yaml' | 'json';

/** Parses texts; rejects with a ResourceLoadError (file, document, field) when one does not load. */
export interface ResourceFileParser {
  parse(text: string, source: string, format?: TextFormat): Promise<ParsedFile>;
  /** Ends the worker, if any. */
  close(): Promise<void>;
}

/**
 * What the worker answers (parse-worker.ts). The objects come serialized in slices (transferred), and
 * this thread deserializes one slice per turn: read as one structured clone, the 30,000 objects of a
 * 10,000-route file would hold the event loop for ~170 ms.
 */
export type WorkerAnswer =
  | { id: number; parsed: Omit<ParsedFile, 'objects'>; objects: SerializedSlices }
  | { id: number; error: ResourceLoadErrorDetails }
  | { id: number; bug: string };

/** Objects per slice of a worker's answer (~1–2 ms to read; more under load, and its garbage collection). */
export const OBJECTS_PER_SLICE = 200;

/** Parses on the calling thread: the whole work, then the answer. */
export function parseText(text: string, source: string, format: TextFormat = 'yaml'): ParsedFile {
  const { objects, warnings } = format === 'json' ? parseJsonResources(text, source) : parseResources(text, source);
  return {
    objects,
    warnings: warnings.map((w) => `document ${w.document}: ${w.message}`),
    objectsHash: createHash('sha256').update(JSON.stringify(objects)).digest('hex'),
  };
}

export const inlineParser: ResourceFileParser = {
  parse: async (text, source, format) => parseText(text, source, format),
  close: async () => undefined,
};

/** Options of createWorkerParser. */
export interface WorkerParserOptions {
  /** Texts at least this long (UTF-16 code units) go to the worker. Default 64 Ki (~100 ms of parsing). */
  minLength?: number;
  /** Heap of the worker in MiB: a parse that needs more fails alone, the server lives on. Default 1024. */
  maxHeapMiB?: number;
  /** The compiled worker script; default dist/file/parse-worker.js beside this module. */
  script?: URL;
  /** An idle worker ends after this many ms (default 2000); the next large file starts another (~40 ms). */
  idleMs?: number;
  /** Told when a worker starts and when it has ended (logs, tests). */
  onWorker?: (event: 'started' | 'ended') => void;
}

export const DEFAULT_WORKER_MIN_LENGTH = 64 * 1024;
export const DEFAULT_WORKER_HEAP_MIB = 1024;
export const DEFAULT_WORKER_IDLE_MS = 2000;

/**
 * A parser that sends large texts to one worker thread, started on first use and ended by close() or
 * after `idleMs` without work. Requests queue on that one worker: parsing is CPU-bound, and one core
 * for it leaves the other to xDS. Ending an idle worker is what gives its memory back: an idle isolate
 * allocates nothing, so it never collects the garbage of the parses it did (parsing the 16 MB of a
 * 10,000-route file left serve ~500 MiB larger for good).
 * Run from TypeScript sources (unit tests), there is no compiled worker script: everything parses inline.
 */
export function createWorkerParser(options: WorkerParserOptions = {}): ResourceFileParser {
  const minLength = options.minLength ?? DEFAULT_WORKER_MIN_LENGTH;
  const script = options.script ?? new URL('./parse-worker.js', import.meta.url);
  const available = existsSync(fileURLToPath(script));
  let worker: Worker | undefined;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let nextId = 0;
  const waiting = new Map<number, { resolve: (parsed: ParsedFile) => void; reject: (err: Error) => void; source: string }>();

  const failAll = (why: (source: string) => Error) => {
    for (const [id, request] of waiting) {
      waiting.delete(id);
      request.reject(why(request.source));
    }
  };

  function startWorker(): Worker {
    const started = new Worker(script, { resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMiB ?? DEFAULT_WORKER_HEAP_MIB } });
    options.onWorker?.('started');
    // The worker never keeps the process alive; a pending parse does (its promise is awaited).
    started.unref();
    started.on('message', (answer: WorkerAnswer) => {
      const request = waiting.get(answer.id);
      if (!request) return;
      if ('parsed' in answer) {
        // Still waiting while its slices are read: a worker that stops meanwhile fails it (failAll), and the reading stops.
        deserializeInSlices<Resource>(answer.objects, () => waiting.get(answer.id) === request).then(
          (objects) => {
            if (!objects) return;
            waiting.delete(answer.id);
            request.resolve({ objects, warnings: answer.parsed.warnings, objectsHash: answer.parsed.objectsHash });
          },
          (err: Error) => {
            waiting.delete(answer.id);
            request.reject(new Error(`${request.source}: the parsed objects could not be read: ${err.message}`));
          },
        );
        return;
      }
      waiting.delete(answer.id);
      if ('error' in answer) request.reject(new ResourceLoadError(answer.error));
      else request.reject(new Error(answer.bug));
    });
    started.on('error', (err) => {
      // Out of heap (ERR_WORKER_OUT_OF_MEMORY) or a bug: the files being parsed fail, the next parse starts a new worker.
      if (worker === started) worker = undefined;
      const detail = (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY' ? `parsing needs more than ${options.maxHeapMiB ?? DEFAULT_WORKER_HEAP_MIB} MiB` : err.message;
      failAll((source) => new Error(`${source}: ${detail}`));
    });
    started.on('exit', () => {
      options.onWorker?.('ended');
      if (worker === started) worker = undefined;
      failAll((source) => new Error(`${source}: the parser stopped`));
    });
    return started;
  }

  function endWhenIdle(target: Worker) {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      if (worker !== target || waiting.size > 0) return;
      worker = undefined;
      void target.terminate();
    }, options.idleMs ?? DEFAULT_WORKER_IDLE_MS);
    idleTimer.unref();
  }

  return {
    parse(text, source, format = 'yaml') {
      if (!available || text.length < minLength) return Promise.resolve().then(() => parseText(text, source, format));
      clearTimeout(idleTimer);
      worker ??= startWorker();
      const id = nextId++;
      const target = worker;
      return new Promise<ParsedFile>((resolve, reject) => {
        waiting.set(id, { resolve, reject, source });
        target.ref();
        target.postMessage({ id, text, source, format });
      }).finally(() => {
        if (waiting.size > 0) return;
        target.unref();
        endWhenIdle(target);
      });
    },
    async close() {
      clearTimeout(idleTimer);
      const current = worker;
      worker = undefined;
      if (current) await current.terminate();
    },
  };
}
