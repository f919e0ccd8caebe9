/** Shared by the file provider tests: a temp folder, resource texts, a recording logger, polling. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProviderSnapshot } from '../types.js';
import { createFileProvider } from './file-provider.js';
import type { FileProvider, FileProviderLogger, FileProviderOptions } from './file-provider-options.js';

export const namespace = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}\n`;

/** A Namespace then a Gateway (document 2) listening on `port`, written as given (so `"abc"` is a string). */
export const gatewayFile = (port: string | number) => `${namespace('infra')}---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: eg, namespace: infra}
spec:
  gatewayClassName: portico
  listeners:
  - {name: http, protocol: HTTP, port: ${port}}
`;

export const names = (snapshot: ProviderSnapshot) => snapshot.objects.map((o) => o.metadata.name);

export function listenerPort(snapshot: ProviderSnapshot): unknown {
  return snapshot.resources.get('Gateway', 'infra', 'eg')?.spec.listeners[0]?.port;
}

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  message: string;
  meta: Record<string, unknown> | undefined;
}

export function recordingLogger(): FileProviderLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return {
    entries,
    info: (message, meta) => void entries.push({ level: 'info', message, meta }),
    warn: (message, meta) => void entries.push({ level: 'warn', message, meta }),
    error: (message, meta) => void entries.push({ level: 'error', message, meta }),
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 5 ms until it holds; fails the test naming `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** A temp folder, a provider on it (small debounce, no periodic rescan unless asked) and what it publishes. */
export interface Harness {
  dir: string;
  provider: FileProvider;
  published: ProviderSnapshot[];
  logger: ReturnType<typeof recordingLogger>;
  write(relative: string, text: string): string;
  path(relative: string): string;
  /** Creates the provider (call after writing the initial files). */
  open(options?: Partial<FileProviderOptions>): FileProvider;
  close(): Promise<void>;
}

export function createHarness(): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'portico-files-'));
  const harness: Harness = {
    dir,
    provider: undefined as unknown as FileProvider,
    published: [],
    logger: recordingLogger(),
    path: (relative) => join(dir, relative),
    write(relative, text) {
      const path = join(dir, relative);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, text);
      return path;
    },
    open(options = {}) {
      harness.provider = createFileProvider({
        directory: dir,
        holdOffMs: 20,
        maxDelayMs: 200,
        rescanIntervalMs: 60_000,
        logger: harness.logger,
        ...options,
      });
      harness.provider.onChange((snapshot) => harness.published.push(snapshot));
      return harness.provider;
    },
    async close() {
      await harness.provider?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}
