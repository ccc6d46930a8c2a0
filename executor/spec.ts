import { randomBytes } from 'node:crypto';
import type { RuntimeSpec } from './backend.ts';
import type { FieldReader } from './fields.ts';
import { commandForImage, type ExecutorOptions } from './options.ts';
import { resolveSource } from './source.ts';

/**
 * Builds a runtime spec from create/execute fields: `image` required, `source` checked against the
 * allowed root, the image must have a command template in process mode. Errors name the field.
 */
export async function readRuntimeSpec(
  reader: FieldReader,
  id: string,
  options: ExecutorOptions,
): Promise<RuntimeSpec> {
  const image = reader.string('image');
  if (image === '') throw reader.invalid('image', 'is required');
  if (options.mode === 'process' && commandForImage(image, options.runtimeCommands) === undefined) {
    throw reader.invalid('image', `no runtime command is configured for "${image}" (see --runtime-command)`);
  }
  const rawSource = reader.string('source');
  const source = rawSource === '' ? '' : await resolveSource(rawSource, options.sourceRoot, reader.errorType);
  return {
    id,
    image,
    source,
    entrypoint: reader.string('entrypoint'),
    variables: reader.record('variables'),
    cpus: reader.number('cpus', 1),
    // The real executor's default: 512 MB.
    memoryMb: reader.number('memory', 512),
    version: reader.string('version', 'v5'),
    runtimeEntrypoint: reader.string('runtimeEntrypoint'),
    key: randomBytes(16).toString('hex'),
    hostname: randomBytes(16).toString('hex'),
  };
}
