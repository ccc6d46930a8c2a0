import { randomBytes } from 'node:crypto';
import { copyFile, cp, mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuntimeSpec } from '../backend.ts';
import { confineTree } from '../confine.ts';
import { ExecutorError } from '../errors.ts';
import { prepareSource } from '../source.ts';
import { restoreCache, saveCache } from './cache.ts';
import { buildEnvironment } from './environment.ts';
import { outputFolder, pack } from './package.ts';
import { type BuildShell, runShell } from './shell.ts';

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
  /** Build folders go under `<workDir>/builds`. */
  workDir: string;
  /** Caches go under this folder, one per `cacheKey` (shared by executors that share it). */
  cacheRoot: string;
  maxSourceBytes: number;
  executorHostname: string;
  /** One line of build output (the create's `output` and the logs stream). */
  log(line: string): void;
  /** Aborted when the runtime is removed or the executor stops: the command is killed. */
  signal: AbortSignal;
  /** Runs the build command; default `runShell` (a child process of this executor). */
  shell?: BuildShell;
}

/** A finished build: its folder (kept until the runtime goes) and the package, if any. */
export interface BuildOutcome {
  root: string;
  dir: string;
  env: Record<string, string>;
  path: string | undefined;
  size: number | undefined;
}

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
    const store = job.cacheKey === '' ? undefined : join(ctx.cacheRoot, job.cacheKey);
    if (cacheDir && store) await restoreCache(store, cacheDir, ctx.log);
    const env = buildEnvironment(spec, process.env, {
      executorHostname: ctx.executorHostname,
      outputDirectory: job.outputDirectory,
      cacheDir,
    });
    const shell: BuildShell = ctx.shell ?? ((cmd) => runShell(cmd));
    const result = await shell(
      { command: job.command, cwd: dir, env, timeoutMs: job.timeoutMs, onLine: ctx.log, signal: ctx.signal },
      { spec, mountRoot: root },
    );
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
