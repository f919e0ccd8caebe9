/**
 * The translation worker thread: translation-core.ts behind a message port. An exception outside a
 * translation (a bug in the core itself) ends the thread; the host then starts a new one and sends it
 * everything again (translation-worker-host.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { GatewayIR } from '@portico/ir';
import { createTranslationCore } from './translation-core.js';
import type { IrRewriteModule, WorkerRequest } from './protocol.js';

// Messages wait in the port until the listener below is added, so the import is done before the first.
const rewrite = (workerData as { rewriteIr?: IrRewriteModule } | undefined)?.rewriteIr;
const rewriteIr = rewrite ? ((await import(rewrite.module)) as Record<string, (ir: GatewayIR) => GatewayIR>)[rewrite.exportName] : undefined;
if (rewrite && typeof rewriteIr !== 'function') throw new Error(`${rewrite.module} exports no function ${rewrite.exportName}`);
const core = createTranslationCore(rewriteIr ? { rewriteIr } : {});
parentPort?.on('message', (request: WorkerRequest) => {
  for (const { message, transfer } of core.handle(request)) parentPort!.postMessage(message, transfer);
});
