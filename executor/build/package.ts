import { spawn } from 'node:child_process';
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ExecutorError } from '../errors.ts';

/** Bound on packaging the output (`tar -cz`). */
const PACKAGE_TIMEOUT_MS = 10 * 60_000;

/** The folder to package: `outputDirectory` resolved in the build folder, which it may not leave. */
export async function outputFolder(dir: string, outputDirectory: string): Promise<string> {
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
export function pack(folder: string, file: string): Promise<void> {
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
