import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

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

/** The TCP sockets a process holds (`ss -tanp`), for leak diagnostics in failure messages. */
export function socketsOf(pid: number): string[] {
  const out = spawnSync('ss', ['-tanp'], { encoding: 'utf8' }).stdout ?? '';
  return out
    .split('\n')
    .filter((l) => l.includes(`pid=${pid},`))
    .map((l) => l.replace(/\s+/g, ' ').replace(/ users:.*/, ''));
}

/** Established connections a process holds on its own listening `port` (its clients). */
export function clientSockets(pid: number, port: number): number {
  return socketsOf(pid).filter((l) => l.startsWith('ESTAB') && l.split(' ')[3]?.endsWith(`:${port}`)).length;
}
