// Runtime watchdog: kills runtime process groups when their executor dies, however it dies.
//
// The executor spawns one watchdog and keeps its stdin open; it writes "+<pgid>" when a runtime
// (a process group leader) starts and "-<pgid>" when it stopped it. When stdin ends (the executor
// exited, was SIGKILLed or crashed: the kernel closes the pipe), every group still listed gets
// SIGKILL. Plain JavaScript so it starts with `node` alone.
const groups = new Set();
let pending = '';

function killAll() {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  process.exit(0);
}

// The executor's stop signals (Ctrl-C reaches the whole foreground group) are not ours: the pipe decides.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.stdin.on('data', (chunk) => {
  pending += chunk.toString('latin1');
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const pgid = Number(line.slice(1));
    if (!Number.isInteger(pgid) || pgid <= 1) continue;
    if (line[0] === '+') groups.add(pgid);
    else if (line[0] === '-') groups.delete(pgid);
  }
});
process.stdin.on('end', killAll);
process.stdin.on('close', killAll);
process.stdin.on('error', killAll);
