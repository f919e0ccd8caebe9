/**
 * Pods' processes share the host's root filesystem (there is no image filesystem), so a volumeMount's
 * mountPath must exist on the host before a container's private mount namespace can bind over it. The
 * agent creates missing mount points (folders, or empty files for a file subPath) and removes the ones
 * it created once no running container uses them; existing host paths are only ever covered, never
 * written (the bind mount lives in the container's own mount namespace).
 */
import { existsSync, mkdirSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface MountPoints {
  /** Makes `target` exist (like `source`: folder or file); returns a release function. */
  acquire(source: string, target: string): () => void;
}

export function createMountPoints(): MountPoints {
  const users = new Map<string, number>();
  /** Paths this agent created, deepest last, with the kind to remove them by. */
  const created = new Map<string, 'dir' | 'file'>();

  const createPath = (target: string, kind: 'dir' | 'file'): string[] => {
    const made: string[] = [];
    let missing = target;
    const chain: string[] = [];
    while (!existsSync(missing)) {
      chain.unshift(missing);
      missing = dirname(missing);
    }
    for (const path of chain) {
      const isLeaf = path === target;
      if (isLeaf && kind === 'file') writeFileSync(path, '');
      else mkdirSync(path);
      created.set(path, isLeaf ? kind : 'dir');
      made.push(path);
    }
    return made;
  };

  return {
    acquire(source, target) {
      const kind = existsSync(source) && statSync(source).isFile() ? 'file' : 'dir';
      const made = createPath(target, kind);
      const paths = [...made];
      if (!made.includes(target)) paths.push(target);
      for (const path of paths) users.set(path, (users.get(path) ?? 0) + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        for (const path of [...paths].reverse()) {
          const left = (users.get(path) ?? 1) - 1;
          if (left > 0) {
            users.set(path, left);
            continue;
          }
          users.delete(path);
          const createdKind = created.get(path);
          if (!createdKind) continue;
          created.delete(path);
          try {
            if (createdKind === 'file') unlinkSync(path);
            else rmdirSync(path);
          } catch {
            // Something else put files there since: leave it.
          }
        }
      };
    },
  };
}
