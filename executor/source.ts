import { execFile } from 'node:child_process';
import { mkdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ExecutorError, type ExecutorErrorType } from './errors.ts';

const run = promisify(execFile);

/**
 * Resolves a `source` (relative to `root` or absolute) and checks that it stays inside `root`,
 * symlinks included. Rejects with `errorType` naming the path otherwise.
 */
export async function resolveSource(
  source: string,
  root: string,
  errorType: ExecutorErrorType,
): Promise<string> {
  const rootReal = await realpath(root);
  const candidate = resolve(rootReal, source);
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    throw new ExecutorError(errorType, `Invalid "source": ${source} does not exist.`);
  }
  const rel = relative(rootReal, real);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new ExecutorError(
      errorType,
      `Invalid "source": ${source} is outside the allowed folder ${rootReal}.`,
    );
  }
  const info = await stat(real);
  if (!info.isDirectory() && !/\.(tar\.gz|tgz)$/.test(real)) {
    throw new ExecutorError(errorType, `Invalid "source": ${source} must be a folder or a .tar.gz file.`);
  }
  return real;
}

/**
 * Returns the folder a runtime runs in: `source` itself when a folder, else the tarball
 * extracted under `workDir/<name>` (system `tar`, no network).
 */
export async function prepareSource(source: string, workDir: string, name: string): Promise<string> {
  if ((await stat(source)).isDirectory()) return source;
  const dir = join(workDir, name);
  await mkdir(dir, { recursive: true });
  try {
    await run('tar', ['-xzf', source, '-C', dir], { timeout: 60_000 });
  } catch (error) {
    throw new ExecutorError('runtime_failed', `Could not extract ${source}: ${(error as Error).message}`);
  }
  return dir;
}
