#!/usr/bin/env node
// `npm test`: installs the system binaries the tests need when they are missing (Debian, as root),
// then runs the whole vitest suite and prints a one-line summary.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';

/** Binaries the tests start for real, and the Debian package that provides each. */
const NEEDED = [
  { bin: 'redis-server', pkg: 'redis-server' },
  { bin: 'prometheus', pkg: 'prometheus' },
  { bin: 'promtool', pkg: 'prometheus' },
  // The benchmark smoke test (test/bench) runs the peers in --quick mode.
  { bin: 'wrk', pkg: 'wrk' },
  { bin: 'haproxy', pkg: 'haproxy' },
  { bin: 'nginx', pkg: 'nginx' },
  // The fuzz tests count a process's client sockets with `ss`; the TLS registry test makes a certificate.
  { bin: 'ss', pkg: 'iproute2' },
  { bin: 'openssl', pkg: 'openssl' },
  // The docker tests (test/docker, the executor's docker mode) start their own dockerd
  // (test/support/docker.ts); Debian's docker.io brings dockerd, containerd and runc.
  { bin: 'dockerd', pkg: 'docker.io' },
  // The stack test (test/stack) brings docker-compose.yml up with Debian's compose (v1, python).
  { bin: 'docker-compose', pkg: 'docker-compose' },
];

// Debian puts haproxy and nginx in /usr/sbin, which a non-login shell may leave off PATH.
for (const dir of ['/usr/sbin', '/sbin']) {
  if (!(process.env.PATH ?? '').split(':').includes(dir)) process.env.PATH = `${process.env.PATH}:${dir}`;
}

function onPath(bin) {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

const missing = NEEDED.filter((n) => !onPath(n.bin));
if (missing.length > 0) {
  const pkgs = [...new Set(missing.map((m) => m.pkg))];
  console.log(
    `[test] missing ${missing.map((m) => m.bin).join(', ')}: installing ${pkgs.join(' ')} with apt-get`,
  );
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const run = (args) =>
    execFileSync(sudo.length ? 'sudo' : args[0], sudo.length ? args : args.slice(1), {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  run(['apt-get', 'update']);
  run(['apt-get', 'install', '-y', '--no-install-recommends', ...pkgs]);
  // The Debian packages start their services on install; the tests start their own on free ports.
  for (const svc of ['redis-server', 'prometheus', 'haproxy', 'nginx', 'docker'])
    spawnSync('service', [svc, 'stop'], { stdio: 'ignore' });
  console.log(`[test] installed ${pkgs.join(' ')}`);
} else {
  console.log(`[test] found ${NEEDED.map((n) => n.bin).join(', ')} on PATH`);
}

mkdirSync('.tmp', { recursive: true });
const report = '.tmp/vitest-report.json';
const extra = process.argv.slice(2);
const result = spawnSync(
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra],
  { stdio: 'inherit' },
);
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  console.log(
    `${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`,
  );
}
process.exit(result.status ?? 1);
