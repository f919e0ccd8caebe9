/**
 * The translation worker thread: translation-core.ts behind a message port. An exception outside a
 * translation (a bug in the core itself) ends the thread; the host then starts a new one and sends it
 * everything again (translation-worker-host.ts).
 */
import { parentPort } from 'node:worker_threads';
import { createTranslationCore } from './translation-core.js';
import type { WorkerRequest } from './protocol.js';

const core = createTranslationCore();
parentPort?.on('message', (request: WorkerRequest) => {
  for (const { message, transfer } of core.handle(request)) parentPort!.postMessage(message, transfer);
});
