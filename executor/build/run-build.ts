import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, cp, mkdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { RuntimeSpec } from '../backend.ts';
import { confineTree } from '../confine.ts';
import { ExecutorError } from '../errors.ts';
import { prepareSource } from '../source.ts';
import { buildEnvironment } from './environment.ts';
import { runShell } from './shell.ts';

/** The build part of a create: what to run and where the package goes. */
export interface BuildJob {
  command: string;
  /** Folder inside the build folder to package; '' for the whole folder (the real default). */
  outputDirectory: string;
  /** Absolute folder (inside the source root) the `.tar.gz` is written to; '' for no package. */
  destination: string;
  /** Build cache key (already validated); '' for none. */
  cacheKey: string;
  /** Bound on the command (the create's `timeout`). */
  timeoutMs: number;
}

/** Where a build runs and what it needs from the executor. */
export interface BuildContext {
  /** Build folders go under `<workDir>/builds`, caches under `<workDir>/build-cache`. */
  workDir: string;
  maxSourceBytes: number;
  executorHostname: string;
  /** One line of build output (the create's `output` and the logs stream). */
  log(line: string): void;
  /** Aborted when the runtime is removed or the executor stops: the command is killed. */
  signal: AbortSignal;
}

/** A finished build: its folder (kept until the runtime goes) and the package, if any. */
export interface BuildOutcome {
  root: string;
  dir: string;
  env: Record<string, string>;
  path: string | undefined;
  size: number | undefined;
}

/** Bound on packaging the output (`tar -cz`). */
const PACKAGE_TIMEOUT_MS = 10 * 60_000;

let counter = 0;

/**
 * Runs one build: mirrors the source into a fresh build folder (a folder is copied, a `.tar.gz`
 * extracted), restores the cache of `cacheKey` into `OPEN_RUNTIMES_BUILD_CACHE`, runs the command
 * there with the runtime's environment, packages `outputDirectory` as `<destination>/<id>.tar.gz`
 * and saves the cache. A non-zero exit or a timeout is a `build_failed` carrying the output; any
 * failure removes the build folder.
 */
export async function runBuild(spec: RuntimeSpec, job: BuildJob, ctx: BuildContext): Promise<BuildOutcome> {
  const root = join(ctx.workDir, 'builds', `${spec.id}-${process.pid}-${++counter}`);
  await mkdir(root, { recursive: true, mode: 0o700 });
  try {
    const dir = await mirror(spec.source, root, ctx.maxSourceBytes);
    const cacheDir = job.cacheKey === '' ? undefined : join(root, 'cache');
    const store = job.cacheKey === '' ? undefined : join(ctx.workDir, 'build-cache', job.cacheKey);
    if (cacheDir && store) await restoreCache(store, cacheDir, ctx.log);
    const env = buildEnvironment(spec, process.env, {
      executorHostname: ctx.executorHostname,
      outputDirectory: job.outputDirectory,
      cacheDir,
    });
    const result = await runShell({
      command: job.command,
      cwd: dir,
      env,
      timeoutMs: job.timeoutMs,
      onLine: ctx.log,
      signal: ctx.signal,
    });
    if (result.aborted) {
      const reason = ctx.signal.reason;
      throw reason instanceof ExecutorError
        ? reason
        : new ExecutorError('runtime_failed', `The build of "${spec.id}" was cancelled.`);
    }
    if (result.timedOut || result.code !== 0) {
      const last = result.timedOut
        ? `Build command timed out after ${Math.round(job.timeoutMs / 1000)} s.`
        : `Build command exited with code ${result.code}.`;
      ctx.log(last);
      const shown = result.output.split(root).join('.').trim();
      throw new ExecutorError('build_failed', shown === '' ? last : `${shown}\n${last}`, {
        cause: { timedOut: result.timedOut },
      });
    }
    let path: string | undefined;
    let size: number | undefined;
    if (job.destination !== '') {
      const out = await outputFolder(dir, job.outputDirectory);
      const packaged = join(root, 'code.tar.gz');
      await pack(out, packaged);
      size = (await stat(packaged)).size;
      path = join(job.destination, `${randomBytes(7).toString('hex').slice(0, 13)}.tar.gz`);
      await copyFile(packaged, path);
      await rm(packaged, { force: true });
    }
    if (cacheDir && store) await saveCache(cacheDir, store, ctx.log);
    return { root, dir, env, path, size };
  } catch (error) {
    await rm(root, { recursive: true, force: true }).catch(() => {});
    throw error;
  }
}

/** Copies a source folder (after checking its symlinks) or extracts a tarball into `<root>/code`. */
async function mirror(source: string, root: string, maxBytes: number): Promise<string> {
  const dir = join(root, 'code');
  if (source === '') {
    await mkdir(dir, { mode: 0o700 });
    return dir;
  }
  if ((await stat(source)).isDirectory()) {
    await confineTree(source, 'runtime_failed', false);
    await cp(source, dir, { recursive: true, verbatimSymlinks: true });
    return dir;
  }
  return (await prepareSource(source, root, 'code', maxBytes)).dir;
}

/** The folder to package: `outputDirectory` resolved in the build folder, which it may not leave. */
async function outputFolder(dir: string, outputDirectory: string): Promise<string> {
  if (outputDirectory === '') return dir;
  const base = await realpath(dir);
  let real: string;
  try {
    real = await realpath(resolve(base, outputDirectory));
  } catch {
    throw new ExecutorError(
      'build_failed',
      `The build finished but its "outputDirectory" ${outputDirectory} does not exist.`,
    );
  }
  const rel = relative(base, real);
  if (rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel) || !(await stat(real)).isDirectory()) {
    throw new ExecutorError(
      'build_failed',
      `The build's "outputDirectory" ${outputDirectory} is not a folder inside the build.`,
    );
  }
  return real;
}

/** `tar -czf file -C folder .`: the package a runtime is later started from. */
function pack(folder: string, file: string): Promise<void> {
  return new Promise((resolvePack, reject) => {
    const tar = spawn('tar', ['-czf', file, '-C', folder, '.'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: PACKAGE_TIMEOUT_MS,
    });
    let stderr = '';
    tar.stderr.on('data', (d) => {
      stderr = (stderr + String(d)).slice(-2000);
    });
    tar.once('error', (error) =>
      reject(new ExecutorError('build_failed', `Packaging failed: ${error.message}`)),
    );
    tar.once('close', (code) => {
      if (code === 0) resolvePack();
      else
        reject(
          new ExecutorError(
            'build_failed',
            `Packaging the build output failed: tar exited with ${code}: ${stderr.split(folder).join('.').trim()}`,
          ),
        );
    });
  });
}

/**
 * Copies the stored cache into the build's cache folder. A missing store is a miss; a store that
 * cannot be read is a warning, as in the real executor (the build runs with an empty cache).
 */
async function restoreCache(store: string, cacheDir: string, log: (line: string) => void): Promise<void> {
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
async function saveCache(cacheDir: string, store: string, log: (line: string) => void): Promise<void> {
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
