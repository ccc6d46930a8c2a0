import { access, mkdir, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { FieldReader } from '../fields.ts';
import { cacheKeyProblem } from './cache-key.ts';
import type { BuildJob } from './run-build.ts';

/** The real executor's bound on `command` (Text(1024)). */
export const MAX_COMMAND_CHARS = 1024;

/**
 * Reads the build fields of a create: `command` (none: not a build, undefined), `outputDirectory`
 * (relative, no `..`), `destination` (a folder inside `sourceRoot`, created when missing) and
 * `cacheKey` (checked even without a command, as the real executor does). Errors name the field.
 */
export async function readBuildJob(
  reader: FieldReader,
  sourceRoot: string,
  timeoutMs: number,
): Promise<BuildJob | undefined> {
  const cacheKey = reader.string('cacheKey');
  const keyProblem = cacheKeyProblem(cacheKey);
  if (keyProblem !== undefined) throw reader.invalid('cacheKey', keyProblem);
  const command = reader.string('command');
  if (command === '') return undefined;
  if (command.length > MAX_COMMAND_CHARS)
    throw reader.invalid('command', `must be at most ${MAX_COMMAND_CHARS} characters`);
  if (command.includes('\0')) throw reader.invalid('command', 'must not contain a NUL character');
  const outputDirectory = reader.string('outputDirectory');
  const outProblem = relativePathProblem(outputDirectory);
  if (outProblem !== undefined) throw reader.invalid('outputDirectory', outProblem);
  const given = reader.string('destination');
  const destination = given === '' ? '' : await destinationFolder(reader, given, sourceRoot);
  return { command, outputDirectory, destination, cacheKey, timeoutMs };
}

/** Why `path` is not a relative path that stays where it starts, or undefined. Pure. */
export function relativePathProblem(path: string): string | undefined {
  if (path.length > 1024) return 'must be at most 1024 characters';
  if (path.includes('\0')) return 'must not contain a NUL character';
  if (isAbsolute(path)) return 'must be a path relative to the build folder';
  if (path.split(/[\\/]/).some((segment) => segment === '..')) return 'must not contain ".." segments';
  return undefined;
}

/**
 * `destination` resolved against the source root (so a package can be the `source` of the next
 * create), created when missing, and refused when it (or a symlink on the way) leads outside.
 */
async function destinationFolder(reader: FieldReader, given: string, sourceRoot: string): Promise<string> {
  if (given.includes('\0')) throw reader.invalid('destination', 'must not contain a NUL character');
  const rootReal = await realpath(sourceRoot);
  const outside = (path: string) => {
    const rel = relative(rootReal, path);
    return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
  };
  const wanted = resolve(rootReal, given);
  if (outside(wanted)) throw reader.invalid('destination', `${given} is outside the allowed folder`);
  // The deepest folder that exists already must be inside too, before anything is created: a
  // symlink on the way must not make mkdir create folders elsewhere.
  let existing = wanted;
  while (!(await exists(existing))) existing = dirname(existing);
  if (outside(await realpath(existing)))
    throw reader.invalid('destination', `${given} is outside the allowed folder`);
  try {
    await mkdir(wanted, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw reader.invalid(
      'destination',
      `${given} cannot be created (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const real = await realpath(wanted);
  if (outside(real)) throw reader.invalid('destination', `${given} is outside the allowed folder`);
  return real;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
