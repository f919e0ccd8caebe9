/**
 * The options of `portico serve` that only the file provider (`--resources`) uses: where its last good
 * objects survive restarts, and how large a resource file may be.
 */
import { CliError } from '../../args.js';

export const FILE_OPTIONS = {
  'state-dir': { type: 'string' },
  'max-file-size': { type: 'string' },
} as const;

export const FILE_HELP = `      --state-dir DIR           Keep every resource file's last good objects in DIR (created 0700; its
                                files are 0600 and hold the folder's Secrets, keys included), so that a
                                file found broken at start serves what it served before the restart.
                                Default: none (a file broken at start serves nothing until fixed)
      --max-file-size SIZE      Refuse resource files larger than SIZE bytes (suffixes Ki, Mi, Gi;
                                default 64Mi); a refused file keeps its last good objects
`;

/** What FILE_OPTIONS parse to. */
export interface FileServeArgs {
  stateDir?: string;
  maxFileBytes?: number;
}

const UNITS: Record<string, number> = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

export function fileServeArgs(values: { 'state-dir'?: string | undefined; 'max-file-size'?: string | undefined }, kubernetes: boolean): FileServeArgs {
  const stateDir = values['state-dir'];
  const maxFileSize = values['max-file-size'];
  if (kubernetes) {
    // The API server is the durable store of a cluster's objects, and it applies its own size limits.
    const given = stateDir !== undefined ? '--state-dir' : maxFileSize !== undefined ? '--max-file-size' : undefined;
    if (given) throw new CliError(`${given} applies to --resources (the file provider), not --kubernetes`);
    return {};
  }
  if (stateDir === '') throw new CliError('--state-dir needs a folder, not an empty string');
  const args: FileServeArgs = stateDir === undefined ? {} : { stateDir };
  if (maxFileSize !== undefined) {
    const match = /^(\d+)(Ki|Mi|Gi)?$/.exec(maxFileSize.trim());
    const bytes = match ? Number(match[1]) * UNITS[match[2] ?? '']! : NaN;
    if (!Number.isSafeInteger(bytes) || bytes < 1) throw new CliError(`invalid --max-file-size '${maxFileSize}': expected a number of bytes, e.g. 1048576 or 64Mi`);
    args.maxFileBytes = bytes;
  }
  return args;
}
