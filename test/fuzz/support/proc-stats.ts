import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { requireBinary } from '../../support/processes.ts';

/** Open file descriptors of a process (Linux `/proc/<pid>/fd`). */
export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Resident set size of a process in MiB (Linux `/proc/<pid>/status`, VmRSS). */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

/**
 * The TCP sockets a process holds (`ss -tanp`). Throws when `ss` is missing or fails, so that a leak
 * check built on it cannot pass by reading zero sockets.
 */
export function socketsOf(pid: number): string[] {
  requireBinary('ss', 'iproute2');
  const r = spawnSync('ss', ['-tanp'], { encoding: 'utf8' });
  if (r.status !== 0 || r.error)
    throw new Error(`ss -tanp failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}`);
  // The header line proves ss produced a listing at all (an empty stdout would read as "no sockets").
  if (!/^State\s/m.test(r.stdout))
    throw new Error(`ss -tanp printed no socket table: ${r.stdout.slice(0, 200)}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.includes(`pid=${pid},`))
    .map((l) => l.replace(/\s+/g, ' ').replace(/ users:.*/, ''));
}

/** Established connections a process holds on its own listening `port` (its clients). */
export function clientSockets(pid: number, port: number): number {
  return socketsOf(pid).filter((l) => l.startsWith('ESTAB') && l.split(' ')[3]?.endsWith(`:${port}`)).length;
}
