import { closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { UsageError } from '../lib/errors.ts';

/** Where a secret came from: the place decides what a same-user process can still read. */
export type SecretOrigin = 'file' | 'argv' | 'env';

/**
 * Reads a secret from `--secret-file PATH`: a file, a pipe such as bash's `<(…)`, or an inherited
 * descriptor `/dev/fd/N` (the process provider passes one end of a socket pair, which Linux will
 * not reopen by path: it is read as a stream and closed, so nothing later finds it in
 * /proc/<pid>/fd). Trailing newlines are dropped.
 */
export async function readSecretFile(path: string, option = 'secret-file'): Promise<string> {
  let text: string;
  const match = /^\/dev\/fd\/(\d+)$/.exec(path);
  const fd = match && Number(match[1]) > 2 ? Number(match[1]) : undefined;
  try {
    try {
      text = await readFile(path, 'utf8');
      // The inherited descriptor stays open otherwise, and /proc/<pid>/fd/N would reopen a file.
      if (fd !== undefined) closeQuietly(fd);
    } catch (error) {
      // A socket (what Node's 'pipe' stdio is) cannot be reopened by path: read the descriptor.
      if (fd === undefined || (error as NodeJS.ErrnoException).code !== 'ENXIO') throw error;
      text = await readDescriptor(fd);
    }
  } catch (error) {
    throw new UsageError(
      `--${option}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new UsageError(`--${option}: ${path} is empty`);
  return secret;
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

function readDescriptor(fd: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const stream = new Socket({ fd, readable: true, writable: false });
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
    });
    stream.once('end', () => {
      stream.destroy();
      resolve(text);
    });
    stream.once('error', reject);
  });
}

/**
 * Drops a secret given on the command line from /proc/<pid>/cmdline and `ps`: the process title
 * (libuv overwrites the original argv block) becomes the command line without `--secret VALUE`.
 * Linux only shows the rewritten block; elsewhere this is a no-op. Returns the new title.
 */
export function hideSecretArgument(argv: readonly string[] = process.argv): string {
  const shown: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--secret') {
      i++;
      continue;
    }
    if (arg.startsWith('--secret=')) continue;
    shown.push(arg);
  }
  const title = shown.join(' ');
  process.title = title;
  return title;
}
