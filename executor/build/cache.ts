import { randomBytes } from 'node:crypto';
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Copies the stored cache into the build's cache folder. A missing store is a miss; a store that
 * cannot be read is a warning, as in the real executor (the build runs with an empty cache).
 */
export async function restoreCache(
  store: string,
  cacheDir: string,
  log: (line: string) => void,
): Promise<void> {
  try {
    await cp(store, cacheDir, { recursive: true, verbatimSymlinks: true, errorOnExist: false });
    log('Build cache hit.');
  } catch (error) {
    // A store replaced mid-copy leaves part of it here: the build starts from an empty cache instead.
    await rm(cacheDir, { recursive: true, force: true });
    await mkdir(cacheDir, { recursive: true, mode: 0o700 });
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') log('Build cache miss.');
    else log(`[build cache] Warning: Failed to restore cache: ${(error as Error).message}`);
  }
}

/**
 * Replaces the stored cache with the build's cache folder: copied aside, then renamed into place,
 * so a build restoring at the same moment gets the old cache, the new one or a miss, never half of one.
 */
export async function saveCache(cacheDir: string, store: string, log: (line: string) => void): Promise<void> {
  const staged = `${store}.${process.pid}-${randomBytes(4).toString('hex')}`;
  const old = `${staged}.old`;
  try {
    await mkdir(join(store, '..'), { recursive: true, mode: 0o700 });
    await cp(cacheDir, staged, { recursive: true, verbatimSymlinks: true });
    await rename(store, old).catch(() => {});
    await rename(staged, store);
    log('Build cache saved.');
  } catch (error) {
    log(`[build cache] Warning: Failed to store cache: ${(error as Error).message}`);
  } finally {
    await rm(staged, { recursive: true, force: true }).catch(() => {});
    await rm(old, { recursive: true, force: true }).catch(() => {});
  }
}
