/**
 * A small tmpfs for the full-disk tests (`mount -t tmpfs -o size=… tmpfs DIR`;
 * CI runs as root). Where mounting is not permitted the tests skip with a line
 * that says so; under REQUIRE_SYSTEM_TESTS=1 (.ci/run) they fail instead.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, rmSync, statfsSync, unlinkSync, writeSync, ftruncateSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './server.js';
import { systemTestsRequired } from './system-programs.js';

export interface Tmpfs {
  dir: string;
  unmount: () => void;
}

/** Mounts a tmpfs of `size` (e.g. "4m"); null and the reason when this machine does not allow it. */
export function mountTmpfs(size: string): Tmpfs | { refused: string } {
  const dir = tempDir();
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) {
    const why = (r.error?.message ?? r.stderr).trim() || `exit ${r.status}`;
    if (systemTestsRequired()) throw new Error(`REQUIRE_SYSTEM_TESTS=1 but a tmpfs cannot be mounted (${why}); the full-disk tests need root`);
    return { refused: why };
  }
  return {
    dir,
    unmount: () => {
      spawnSync('umount', ['-l', dir], { timeout: 10_000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fills the file system holding `dir` until it refuses (ENOSPC), then gives back `leave` bytes. Returns the filler's path. */
export function fillDisk(dir: string, leave = 0): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1_024, 0xab);
  try {
    // bounded by the size of the file system: each pass writes at least one byte or ends
    for (;;) {
      let n: number;
      try {
        n = writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw err;
      }
      if (n < chunk.length) {
        try {
          writeSync(fd, chunk, 0, 4_096);
        } catch {
          break;
        }
      }
    }
    if (leave > 0) ftruncateSync(fd, Math.max(0, fstatSync(fd).size - leave));
  } finally {
    closeSync(fd);
  }
  return path;
}

export const freeBytes = (dir: string): number => {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
};

export const unfill = (filler: string): void => unlinkSync(filler);
