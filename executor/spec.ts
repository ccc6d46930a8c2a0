import { randomBytes } from 'node:crypto';
import type { RuntimeSpec } from './backend.ts';
import { entrypointProblem } from './confine.ts';
import type { FieldReader } from './fields.ts';
import { commandForImage, type ExecutorOptions } from './options.ts';
import { resolveSource } from './source.ts';
import { refusedVariable } from './variables.ts';

/**
 * Builds a runtime spec from create/execute fields: `image` required, `source` checked against the
 * allowed root, `entrypoint` a relative path without `..`, `variables` names allowed by
 * executor/variables.ts, the image must have a command template in process mode. Errors name the
 * field (and the variable). `startTimeoutMs` bounds the cold start (the request's `timeout`).
 */
export async function readRuntimeSpec(
  reader: FieldReader,
  id: string,
  options: ExecutorOptions,
  startTimeoutMs: number,
): Promise<RuntimeSpec> {
  const image = reader.string('image');
  if (image === '') throw reader.invalid('image', 'is required');
  if (options.mode === 'process' && commandForImage(image, options.runtimeCommands) === undefined) {
    throw reader.invalid('image', `no runtime command is configured for "${image}" (see --runtime-command)`);
  }
  const rawSource = reader.string('source');
  const source = rawSource === '' ? '' : await resolveSource(rawSource, options.sourceRoot, reader.errorType);
  const entrypoint = reader.string('entrypoint');
  const problem = entrypointProblem(entrypoint);
  if (problem !== undefined) throw reader.invalid('entrypoint', problem);
  const variables = reader.record('variables');
  for (const [name, value] of Object.entries(variables)) {
    const refused = refusedVariable(name, value);
    if (refused !== undefined)
      throw reader.invalid('variables', `${JSON.stringify(name.slice(0, 64))} ${refused}`);
  }
  const version = reader.string('version', 'v5');
  if (!options.runtimeVersions.includes(version)) {
    throw reader.invalid(
      'version',
      `must be one of ${options.runtimeVersions.join(', ')} (executor.runtimeVersions)`,
    );
  }
  return {
    id,
    image,
    source,
    entrypoint,
    variables,
    startTimeoutMs,
    cpus: reader.number('cpus', 1),
    // The real executor's default: 512 MB.
    memoryMb: reader.number('memory', 512),
    version,
    runtimeEntrypoint: reader.string('runtimeEntrypoint'),
    key: randomBytes(16).toString('hex'),
    hostname: randomBytes(16).toString('hex'),
  };
}
