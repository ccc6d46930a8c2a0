import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { DockerClient } from '../../lib/docker/index.ts';

/** The base image: the host's Node, bash and a few coreutils, with their libraries; no package manager. */
export const TEST_NODE_IMAGE = 'local/node-min:20';
/** A runtime image: TEST_NODE_IMAGE plus Fleetgate's Node runtime server (executor/runtime/). */
export const TEST_RUNTIME_IMAGE = 'local/fleetgate-runtime-node:test';
/** Where the runtime image keeps the runtime server. */
export const RUNTIME_SERVER_IN_IMAGE = '/usr/local/lib/fleetgate/runtime/node-server.mjs';
/** The label holding the hash of an image's inputs: a changed input means a rebuild. */
export const INPUTS_LABEL = 'fleetgate.test.inputs';

/** Bump when the way the images are made changes (their inputs hash includes it). */
const RECIPE = 'node-min v1';
/** Programs copied besides node: enough for a build command (`bash -c 'mkdir -p out && cp …'`). */
const PROGRAMS = [
  'bash',
  'sh',
  'cat',
  'cp',
  'mkdir',
  'ls',
  'rm',
  'mv',
  'env',
  'sleep',
  'echo',
  'tar',
  'gzip',
  'true',
];

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNTIME_SERVER = join(REPO, 'executor', 'runtime', 'node-server.mjs');

/** The files of the base image: program → path in image, plus every library `ldd` lists. */
function baseFiles(): string[] {
  const files = new Set<string>([process.execPath]);
  for (const program of PROGRAMS) {
    const found = spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).stdout.trim();
    if (found.startsWith('/')) files.add(found);
  }
  for (const file of [...files]) {
    const ldd = spawnSync('ldd', [file], { encoding: 'utf8' });
    for (const match of ldd.stdout.matchAll(/(\/[^\s)]+)/g)) if (match[1]) files.add(match[1]);
  }
  return [...files].sort();
}

function inputsHash(parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
}

/** Size and mtime stand for a file's content (hashing the 100 MB node binary on every run costs 0.3 s). */
function fingerprint(file: string): string {
  const st = statSync(file);
  return `${file} ${st.size} ${st.mtimeMs}`;
}

/**
 * Makes sure TEST_NODE_IMAGE and TEST_RUNTIME_IMAGE exist and match their inputs, building what is
 * missing or stale: the base by `docker import` of a folder holding the host's binaries (~3 s), the
 * runtime by a Dockerfile build on top of it. Returns what it did, for the run's log.
 */
export async function ensureTestImages(client: DockerClient, workDir: string): Promise<string[]> {
  const done: string[] = [];
  const files = baseFiles();
  const baseHash = inputsHash([RECIPE, process.version, ...files.map(fingerprint)]);
  const base = await client.images.find(TEST_NODE_IMAGE);
  if (base?.labels[INPUTS_LABEL] !== baseHash) {
    await importBase(client, files, baseHash, workDir);
    done.push(`built ${TEST_NODE_IMAGE} (${baseHash})`);
  }
  const server = readFileSync(RUNTIME_SERVER);
  const dockerfile = [
    `FROM ${TEST_NODE_IMAGE}`,
    `COPY node-server.mjs ${RUNTIME_SERVER_IN_IMAGE}`,
    'WORKDIR /usr/local/server/src/function',
    'ENV PORT=3000',
    `CMD ["node", "${RUNTIME_SERVER_IN_IMAGE}"]`,
    '',
  ].join('\n');
  const runtimeHash = inputsHash([baseHash, dockerfile, createHash('sha256').update(server).digest('hex')]);
  const runtime = await client.images.find(TEST_RUNTIME_IMAGE);
  if (runtime?.labels[INPUTS_LABEL] !== runtimeHash) {
    const dir = mkdtempSync(join(workDir, 'runtime-image-'));
    try {
      writeFileSync(join(dir, 'Dockerfile'), dockerfile);
      writeFileSync(join(dir, 'node-server.mjs'), server);
      await client.images.build(tarOf(dir), {
        tag: TEST_RUNTIME_IMAGE,
        labels: { [INPUTS_LABEL]: runtimeHash },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    done.push(`built ${TEST_RUNTIME_IMAGE} (${runtimeHash})`);
  }
  return done;
}

async function importBase(
  client: DockerClient,
  files: string[],
  hash: string,
  workDir: string,
): Promise<void> {
  const root = mkdtempSync(join(workDir, 'node-min-'));
  try {
    for (const file of files) {
      const target = join(root, file);
      mkdirSync(dirname(target), { recursive: true });
      // Symlinked libraries (libc.so.6 → libc-2.36.so) are copied as the file they lead to.
      copyFileSync(realpathSync(file), target);
    }
    // node is found at /usr/local/bin/node as in the official images, whatever the host's path.
    mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
    if (process.execPath !== '/usr/local/bin/node')
      copyFileSync(process.execPath, join(root, 'usr/local/bin/node'));
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(
      join(root, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
    );
    writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    for (const dir of ['tmp', 'root', 'usr/local/server/src/function', 'mnt/code', 'mnt/logs']) {
      mkdirSync(join(root, dir), { recursive: true });
      chmodSync(join(root, dir), 0o1777);
    }
    await client.images.import(tarOf(root), TEST_NODE_IMAGE, {
      changes: ['ENV PATH=/usr/local/bin:/usr/bin:/bin', 'CMD ["node"]', `LABEL ${INPUTS_LABEL}=${hash}`],
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** A tar stream of a folder's content, from the system `tar` (owners and modes kept, as root). */
function tarOf(dir: string): Readable {
  const child = spawn('tar', ['-C', dir, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return child.stdout;
}
