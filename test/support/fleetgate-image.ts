import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { DockerClient } from '../../lib/docker/index.ts';
import { INPUTS_LABEL, TEST_NODE_IMAGE } from './docker-images.ts';

/** TEST_NODE_IMAGE plus the host's npm (and CA bundle): a base the Dockerfile's build stage can use. */
export const TEST_NPM_IMAGE = 'local/node-npm:20';
/** The project's Dockerfile built on TEST_NPM_IMAGE: what users build on the public Node image. */
export const TEST_FLEETGATE_IMAGE = 'local/fleetgate:test';

/** Bump when the way TEST_NPM_IMAGE is made changes (its inputs hash includes it). */
const RECIPE = 'node-npm v2';
const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** What the Dockerfile's COPY lines read (see .dockerignore); test files are left out. */
const CONTEXT = [
  'Dockerfile',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'scripts/build.mjs',
  'bin',
  'examples',
  'cli',
  'config',
  'executor',
  'gateway',
  'lib',
  'load',
  'metrics',
  'registry',
  'scaler',
];

function filesOf(path: string): string[] {
  const full = join(REPO, path);
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name).slice(REPO.length))
    .sort();
}

function hashOf(parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 16);
}

function tarOf(dir: string, paths: string[]): Readable {
  return spawn('tar', ['-C', dir, '-c', ...paths], { stdio: ['ignore', 'pipe', 'inherit'] }).stdout;
}

/**
 * Builds (when missing or stale) TEST_NPM_IMAGE and then TEST_FLEETGATE_IMAGE from the project's
 * Dockerfile with `NODE_IMAGE=local/node-npm:20`, its RUN steps on the host network (npm ci reaches
 * the npm registry as the host does, trusting the host's NODE_EXTRA_CA_CERTS bundle when set). Each
 * image carries the hash of its inputs (INPUTS_LABEL). Returns what it built.
 */
export async function ensureFleetgateImage(client: DockerClient, workDir: string): Promise<string[]> {
  // Test files run in parallel workers: one builds, the others wait and then find it built.
  const lock = join(workDir, 'fleetgate-image.lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await build(client, workDir);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function build(client: DockerClient, workDir: string): Promise<string[]> {
  const done: string[] = [];
  const base = await client.images.inspect(TEST_NODE_IMAGE);
  const npmDir = join(dirname(realpathSync(process.execPath)), '..', 'lib', 'node_modules', 'npm');
  const npmVersion = JSON.parse(readFileSync(join(npmDir, 'package.json'), 'utf8')).version as string;
  const caFile = process.env.NODE_EXTRA_CA_CERTS;
  const npmHash = hashOf([RECIPE, base.id, npmVersion, caFile ? readFileSync(caFile) : '']);
  if ((await client.images.find(TEST_NPM_IMAGE))?.labels[INPUTS_LABEL] !== npmHash) {
    const dir = mkdtempSync(join(workDir, 'node-npm-'));
    try {
      cpSync(npmDir, join(dir, 'root/usr/local/lib/node_modules/npm'), { recursive: true });
      mkdirSync(join(dir, 'root/usr/local/bin'), { recursive: true });
      symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(dir, 'root/usr/local/bin/npm'));
      // RUN steps and npm scripts use /bin/sh; the base has the host's sh at /usr/bin/sh only.
      mkdirSync(join(dir, 'root/bin'), { recursive: true });
      symlinkSync('/usr/bin/sh', join(dir, 'root/bin/sh'));
      const lines = [`FROM ${TEST_NODE_IMAGE}`, 'COPY root/ /'];
      if (caFile) {
        mkdirSync(join(dir, 'root/etc/ssl/certs'), { recursive: true });
        cpSync(caFile, join(dir, 'root/etc/ssl/certs/extra-ca.crt'));
        lines.push('ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/extra-ca.crt');
      }
      writeFileSync(join(dir, 'Dockerfile'), `${lines.join('\n')}\n`);
      await client.images.build(tarOf(dir, ['.']), {
        tag: TEST_NPM_IMAGE,
        labels: { [INPUTS_LABEL]: npmHash },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    done.push(`built ${TEST_NPM_IMAGE} (${npmHash})`);
  }
  const files = CONTEXT.flatMap(filesOf);
  const appHash = hashOf([npmHash, ...files.flatMap((f) => [f, readFileSync(join(REPO, f))])]);
  if ((await client.images.find(TEST_FLEETGATE_IMAGE))?.labels[INPUTS_LABEL] !== appHash) {
    await client.images.build(tarOf(REPO, files), {
      tag: TEST_FLEETGATE_IMAGE,
      buildArgs: { NODE_IMAGE: TEST_NPM_IMAGE },
      labels: { [INPUTS_LABEL]: appHash },
      networkMode: 'host',
    });
    done.push(`built ${TEST_FLEETGATE_IMAGE} (${appHash})`);
  }
  return done;
}
