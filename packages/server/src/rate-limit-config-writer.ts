/**
 * Writes the envoyproxy/ratelimit service's configuration (@portico/xds rateLimitServiceConfig: one
 * file per Gateway with global rate limits) into the folder the service reads
 * (`<RUNTIME_ROOT>/<RUNTIME_SUBDIRECTORY>/config/`, `portico serve --rate-limit-config-dir`), after
 * every reconcile. The service watches the folder and reloads on change.
 *
 * - Atomic: each file is written under a dot-name the service skips (goruntime ignores dot files)
 *   and renamed into place, so the service never loads half a file.
 * - Only changed files are written; files of Gateways that no longer have global limits are removed.
 *   The folder is Portico's alone: any other `*.yaml` in it is removed as stale at the first write.
 * - A write error is logged and retried at the next reconcile; it never stops serving xDS.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RateLimitServiceConfigFile } from '@portico/xds';
import type { Logger } from './logger.js';

export interface RateLimitConfigWriter {
  /**
   * Brings the folder in line with these files: every Gateway's global limits, as
   * rateLimitServiceConfig (@portico/xds) makes them from the served IR (in process, or on the
   * translation worker, which holds the IR there).
   */
  write(files: readonly RateLimitServiceConfigFile[]): void;
}

export function createRateLimitConfigWriter(options: { directory: string; logger: Logger }): RateLimitConfigWriter {
  const { directory, logger } = options;
  /** File name → the text last written; undefined until the folder was first read. */
  let written: Map<string, string> | undefined;
  return {
    write(files) {
      try {
        if (!written) {
          mkdirSync(directory, { recursive: true });
          written = new Map(readdirSync(directory).filter((f) => f.endsWith('.yaml')).map((f) => [f, '']));
        }
        const wanted = new Set(files.map((f) => f.fileName));
        for (const file of files) {
          if (written.get(file.fileName) === file.yaml) continue;
          const temporary = join(directory, `.${file.fileName}.tmp`);
          writeFileSync(temporary, file.yaml);
          renameSync(temporary, join(directory, file.fileName));
          written.set(file.fileName, file.yaml);
          logger.info('rate-limit service config written', { file: file.fileName, domain: file.domain });
        }
        for (const name of [...written.keys()]) {
          if (wanted.has(name)) continue;
          rmSync(join(directory, name), { force: true });
          written.delete(name);
          logger.info('rate-limit service config removed', { file: name });
        }
      } catch (error) {
        // Retried from scratch next time: the folder is read again.
        written = undefined;
        logger.error('cannot write the rate-limit service config; retried at the next change', { directory, error: error instanceof Error ? error.message : String(error) });
      }
    },
  };
}
