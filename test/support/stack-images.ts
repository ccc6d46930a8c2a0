import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { DockerClient } from '../../lib/docker/index.ts';
import { INPUTS_LABEL } from './docker-images.ts';

/** Redis from the host's redis-server and redis-cli (docker-compose.yml's redis:7.2-alpine stand-in). */
export const TEST_REDIS_IMAGE = 'local/redis:test';
/** Prometheus from the host's binary (docker-compose.yml's prom/prometheus stand-in). */
export const TEST_PROMETHEUS_IMAGE = 'local/prometheus:test';

/** Bump when the way these images are made changes. */
const RECIPE = 'stack-images v1';

interface ImageRecipe {
  tag: string;
  /** Host program → path in the image (copied with every library `ldd` lists). */
  programs: Record<string, string>;
  /** Folders made world-writable (sticky), as the official images' data folders. */
  dirs: string[];
  changes: string[];
}

const RECIPES: ImageRecipe[] = [
  {
    tag: TEST_REDIS_IMAGE,
    programs: {
      '/usr/bin/redis-server': '/usr/local/bin/redis-server',
      '/usr/bin/redis-cli': '/usr/local/bin/redis-cli',
    },
    dirs: ['data', 'tmp'],
    changes: ['ENV PATH=/usr/local/bin:/usr/bin:/bin', 'WORKDIR /data', 'CMD ["redis-server"]'],
  },
  {
    tag: TEST_PROMETHEUS_IMAGE,
    programs: { '/usr/bin/prometheus': '/bin/prometheus' },
    dirs: ['prometheus', 'etc/prometheus', 'tmp'],
    changes: [
      'ENV PATH=/bin:/usr/bin',
      'WORKDIR /prometheus',
      'ENTRYPOINT ["/bin/prometheus"]',
      'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]',
    ],
  },
];

function libraries(program: string): string[] {
  const ldd = spawnSync('ldd', [program], { encoding: 'utf8' });
  return [...ldd.stdout.matchAll(/(\/[^\s)]+)/g)].map((m) => m[1]!);
}

/** Builds (when missing or stale) the Redis and Prometheus images from the host's binaries. */
export async function ensureStackImages(client: DockerClient, workDir: string): Promise<string[]> {
  const done: string[] = [];
  for (const recipe of RECIPES) {
    const files = Object.keys(recipe.programs).flatMap((p) => [p, ...libraries(p)]);
    const hash = createHash('sha256')
      .update(
        [
          RECIPE,
          JSON.stringify(recipe),
          ...files.map((f) => `${f}:${statSync(f).size}:${statSync(f).mtimeMs}`),
        ].join('\n'),
      )
      .digest('hex')
      .slice(0, 16);
    if ((await client.images.find(recipe.tag))?.labels[INPUTS_LABEL] === hash) continue;
    const root = mkdtempSync(join(workDir, 'stack-image-'));
    try {
      for (const [program, target] of Object.entries(recipe.programs)) {
        mkdirSync(join(root, dirname(target)), { recursive: true });
        copyFileSync(realpathSync(program), join(root, target));
        for (const lib of libraries(program)) {
          mkdirSync(join(root, dirname(lib)), { recursive: true });
          copyFileSync(realpathSync(lib), join(root, lib));
        }
      }
      mkdirSync(join(root, 'etc'), { recursive: true });
      writeFileSync(
        join(root, 'etc/passwd'),
        'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/nonexistent:/bin/false\n',
      );
      writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
      for (const dir of recipe.dirs) {
        mkdirSync(join(root, dir), { recursive: true });
        chmodSync(join(root, dir), 0o1777);
      }
      const tar = spawn('tar', ['-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] }).stdout;
      await client.images.import(tar, recipe.tag, {
        changes: [...recipe.changes, `LABEL ${INPUTS_LABEL}=${hash}`],
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    done.push(`built ${recipe.tag} (${hash})`);
  }
  return done;
}
