import { PassThrough } from 'node:stream';
import type { CliIO } from '../../cli/io.ts';

/** CLI streams that record what a command wrote, for in-process command tests. */
export function captureIO(env: NodeJS.ProcessEnv = {}): { io: CliIO; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  return { io: { stdout, stderr, env }, out: () => out, err: () => err };
}
