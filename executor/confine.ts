import { lstat, readdir, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { ExecutorError, type ExecutorErrorType } from './errors.ts';

/** Entries a source folder may hold; walking more would make every start slow. */
export const MAX_SOURCE_ENTRIES = 50_000;

/**
 * Why `entrypoint` is not a plain path inside the source (absolute, a `..` segment, a NUL), or
 * undefined when it is. Pure: checked when the request is read; `confineEntrypoint` checks the
 * real path once the source is on disk.
 */
export function entrypointProblem(entrypoint: string): string | undefined {
  if (entrypoint === '') return undefined;
  if (entrypoint.length > 1024) return 'must be at most 1024 characters';
  if (entrypoint.includes('\0')) return 'must not contain a NUL character';
  if (isAbsolute(entrypoint) || entrypoint.startsWith('\\')) return 'must be a path relative to the source';
  if (entrypoint.split(/[\\/]/).some((segment) => segment === '..')) return 'must not contain ".." segments';
  return undefined;
}

/** Whether the real path `real` is `rootReal` itself or inside it. */
function inside(rootReal: string, real: string): boolean {
  const rel = relative(rootReal, real);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Checks that the entrypoint's real path (symlinks resolved) is a file inside the source's real
 * path. Messages name the entrypoint as given, never an absolute path.
 */
export async function confineEntrypoint(
  dir: string,
  entrypoint: string,
  errorType: ExecutorErrorType,
): Promise<void> {
  if (entrypoint === '') return;
  const rootReal = await realpath(dir);
  let real: string;
  try {
    real = await realpath(join(rootReal, entrypoint));
  } catch {
    throw new ExecutorError(errorType, `Invalid "entrypoint": ${entrypoint} does not exist in the source.`);
  }
  if (!inside(rootReal, real)) {
    throw new ExecutorError(errorType, `Invalid "entrypoint": ${entrypoint} resolves outside the source.`);
  }
}

/**
 * Walks a source folder and refuses any symlink whose target resolves outside it (or nowhere),
 * so every file a runtime loads from its source is inside the source. With `hardLinks` (extracted
 * tarballs) it also refuses a file hard-linked to a file outside (more links than found inside);
 * folders under --source-root are the operator's and may share files by hard link (pnpm's store).
 * At most MAX_SOURCE_ENTRIES entries.
 */
export async function confineTree(
  dir: string,
  errorType: ExecutorErrorType,
  hardLinks: boolean,
): Promise<void> {
  const rootReal = await realpath(dir);
  const links = new Map<string, { path: string; nlink: number; seen: number }>();
  let count = 0;
  const walk = async (folder: string): Promise<void> => {
    for (const name of await readdir(folder)) {
      if (++count > MAX_SOURCE_ENTRIES) {
        throw new ExecutorError(errorType, `The source holds more than ${MAX_SOURCE_ENTRIES} files.`);
      }
      const path = join(folder, name);
      const shown = relative(rootReal, path);
      const info = await lstat(path);
      if (info.isSymbolicLink()) {
        let real: string;
        try {
          real = await realpath(path);
        } catch {
          throw new ExecutorError(
            errorType,
            `The source's symlink ${shown} points nowhere or outside the source.`,
          );
        }
        if (!inside(rootReal, real)) {
          throw new ExecutorError(errorType, `The source's symlink ${shown} points outside the source.`);
        }
      } else if (info.isDirectory()) {
        await walk(path);
      } else if (hardLinks && info.isFile() && info.nlink > 1) {
        const key = `${info.dev}:${info.ino}`;
        const seen = links.get(key) ?? { path: shown, nlink: info.nlink, seen: 0 };
        seen.seen++;
        links.set(key, seen);
      }
    }
  };
  await walk(rootReal);
  for (const link of links.values()) {
    if (link.seen < link.nlink) {
      throw new ExecutorError(
        errorType,
        `The source's file ${link.path} is hard-linked to a file outside the source.`,
      );
    }
  }
}
