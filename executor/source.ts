import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, realpath, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { confineTree } from './confine.ts';
import { ExecutorError, type ExecutorErrorType } from './errors.ts';

/** Bound on extracting one tarball (a stuck `tar` must not hold a start forever). */
const EXTRACT_TIMEOUT_MS = 60_000;

/**
 * Resolves a `source` (relative to `root` or absolute) and checks that it stays inside `root`,
 * symlinks included. Rejects with `errorType` naming the path as given (never the root's
 * absolute path) otherwise.
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
    throw new ExecutorError(errorType, `Invalid "source": ${source} is outside the allowed folder.`);
  }
  const info = await stat(real);
  if (!info.isDirectory() && !/\.(tar\.gz|tgz)$/.test(real)) {
    throw new ExecutorError(errorType, `Invalid "source": ${source} must be a folder or a .tar.gz file.`);
  }
  return real;
}

/** The folder a runtime runs in; `remove()` deletes it when it was extracted (no-op for a folder). */
export interface PreparedSource {
  dir: string;
  remove(): Promise<void>;
}

/**
 * Returns the folder a runtime runs in: `source` itself when a folder, else the tarball
 * extracted under `workDir/<name>` by the system `tar`, fed through gunzip here so the
 * uncompressed stream is counted and cut past `maxBytes` (a zip bomb must not fill the disk).
 * Either way the folder is then walked: a symlink (or, for a tarball, a hard link) reaching outside
 * it fails the start, and a failed extraction leaves nothing behind.
 */
export async function prepareSource(
  source: string,
  workDir: string,
  name: string,
  maxBytes: number,
): Promise<PreparedSource> {
  if ((await stat(source)).isDirectory()) {
    await confineTree(source, 'runtime_failed', false);
    return { dir: source, remove: async () => {} };
  }
  const dir = join(workDir, name);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const remove = () => rm(dir, { recursive: true, force: true }).catch(() => {});
  try {
    await extract(source, dir, maxBytes);
    await confineTree(dir, 'runtime_failed', true);
  } catch (error) {
    await remove();
    throw error;
  }
  return { dir, remove };
}

async function extract(source: string, dir: string, maxBytes: number): Promise<void> {
  const shown = relativeName(source);
  // No owners or modes from the archive; GNU tar already refuses absolute and `..` member names
  // and strips them from hard link targets.
  const tar = spawn('tar', ['-x', '--no-same-owner', '--no-same-permissions', '-f', '-', '-C', dir], {
    stdio: ['pipe', 'ignore', 'pipe'],
    timeout: EXTRACT_TIMEOUT_MS,
  });
  let stderr = '';
  tar.stderr.on('data', (d) => {
    stderr = (stderr + String(d)).slice(-2000);
  });
  const exited = new Promise<number | null>((resolve) => {
    tar.once('exit', (code) => resolve(code));
    tar.once('error', () => resolve(-1));
  });
  let total = 0;
  let tooLarge = false;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      total += chunk.length;
      if (total > maxBytes) {
        tooLarge = true;
        done(new Error('too large'));
        return;
      }
      done(null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(source), createGunzip(), counter, tar.stdin);
  } catch (error) {
    // tar may finish at the archive's end-of-archive blocks and exit before the trailing padding is
    // written to it: a write error after a clean exit is not a failed extraction.
    const code = (error as NodeJS.ErrnoException).code;
    if (!tooLarge && (code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE') && (await exited) === 0)
      return;
    tar.kill('SIGKILL');
    await exited;
    if (tooLarge) {
      throw new ExecutorError(
        'runtime_failed',
        `Could not extract ${shown}: it unpacks to more than ${maxBytes} bytes (--max-source-size).`,
      );
    }
    throw new ExecutorError('runtime_failed', `Could not extract ${shown}: ${(error as Error).message}`);
  }
  const code = await exited;
  if (code !== 0) {
    // tar's own messages name members, not our folders; the folder is cut out anyway.
    const reason = stderr.split(dir).join('<dir>').trim().split('\n').slice(-3).join('; ');
    throw new ExecutorError(
      'runtime_failed',
      `Could not extract ${shown}: tar exited with ${code}: ${reason}`,
    );
  }
}

function relativeName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
