/**
 * Reads one resource file of the watched folder, defensively: never a file outside the folder (a
 * symlink may point anywhere), never more than the size cap, and never a file caught mid-write (its
 * size or mtime moved while it was read).
 */
import { open, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { formatBytes, isInsideFolder } from '@portico/resources';
import type { FileSignature } from './scan-folder.js';

/** What reading a file found. */
export type BoundedRead =
  | { kind: 'text'; text: string; signature: FileSignature }
  /** Gone (or made unreadable by a rename) since the scan. */
  | { kind: 'vanished' }
  /** Changed while being read: read it again once the writer is done. */
  | { kind: 'unstable' }
  /** Cannot be served; `message` never quotes the file (it may not be ours to quote). */
  | { kind: 'refused'; message: string };

/**
 * Reads `relative` under `root` (both as the scan saw them; `realRoot` is root with symlinks resolved).
 * The message of a refusal names the file as the folder names it, never a symlink's target.
 */
export async function readBounded(root: string, realRoot: string, relative: string, maxBytes: number): Promise<BoundedRead> {
  let real: string;
  try {
    real = await realpath(join(root, relative));
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? { kind: 'vanished' } : { kind: 'refused', message: `${relative}: cannot read: ${errorCode(err)}` };
  }
  if (!isInsideFolder(realRoot, real)) return { kind: 'refused', message: `${relative}: a symlink leading out of the resources folder; not followed` };
  let handle;
  try {
    handle = await open(real, 'r');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? { kind: 'vanished' } : { kind: 'refused', message: `${relative}: cannot read: ${errorCode(err)}` };
  }
  try {
    const before = await handle.stat({ bigint: true });
    if (!before.isFile()) return { kind: 'refused', message: `${relative}: not a regular file` };
    if (before.size > BigInt(maxBytes)) {
      return { kind: 'refused', message: `${relative}: file is ${formatBytes(Number(before.size))}, over the limit of ${formatBytes(maxBytes)} (--max-file-size)` };
    }
    // One byte more than the size stat gave: if it is filled, the file grew while being read.
    const buffer = Buffer.alloc(Number(before.size) + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled === buffer.length) return { kind: 'unstable' };
    }
    const after = await handle.stat({ bigint: true });
    if (filled !== Number(before.size) || after.size !== before.size || after.mtimeNs !== before.mtimeNs) return { kind: 'unstable' };
    const signature = { mtimeNs: before.mtimeNs, ctimeNs: before.ctimeNs, size: before.size, ino: before.ino };
    return { kind: 'text', text: buffer.toString('utf8', 0, filled), signature };
  } catch (err) {
    return { kind: 'refused', message: `${relative}: cannot read: ${errorCode(err)}` };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** `EACCES`, `EISDIR`…: the error without the path it names (which may be a symlink's target). */
function errorCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES') return 'permission denied';
  return code ?? 'unknown error';
}
