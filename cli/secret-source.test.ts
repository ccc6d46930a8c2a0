import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readSecretFile } from './secret-source.ts';

const MODULE = fileURLToPath(new URL('./secret-source.ts', import.meta.url));

/** Runs readSecretFile('/dev/fd/3') in a child whose fd 3 is `stdio3`, and what it then sees at fd 3. */
function inChild(stdio3: 'pipe' | number, feed?: string): Promise<string> {
  const script = `
    const { readSecretFile } = await import(${JSON.stringify(MODULE)});
    const { fstatSync } = await import('node:fs');
    const secret = await readSecretFile('/dev/fd/3');
    let open = true;
    try { fstatSync(3); } catch { open = false; }
    console.log(JSON.stringify({ secret, open }));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit', stdio3],
    });
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
    });
    if (feed !== undefined) (child.stdio[3] as NodeJS.WritableStream).end(feed);
    child.once('exit', () => resolve(out.trim()));
    child.once('error', reject);
  });
}

describe('readSecretFile', () => {
  it('reads a file and drops one trailing newline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetgate-secret-'));
    try {
      writeFileSync(join(dir, 's'), 'file-secret\n');
      expect(await readSecretFile(join(dir, 's'))).toBe('file-secret');
      writeFileSync(join(dir, 'e'), '');
      await expect(readSecretFile(join(dir, 'e'))).rejects.toThrow('is empty');
      await expect(readSecretFile(join(dir, 'missing'))).rejects.toThrow('ENOENT');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads an inherited socket pair (the process provider) and closes it', async () => {
    expect(JSON.parse(await inChild('pipe', 'pipe-secret'))).toEqual({ secret: 'pipe-secret', open: false });
  });
});
