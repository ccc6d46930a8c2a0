import { figures, type StatusSample, statusLine, statusTable } from './status.ts';

/** Where and how often the status goes. */
export interface DisplayOptions {
  out: NodeJS.WritableStream;
  /** In-place table on a terminal; otherwise one log line per `logEveryMs`. */
  tty: boolean;
  sample: () => Promise<StatusSample>;
  refreshMs: number;
  logEveryMs: number;
  /** Clock of the wall-time prefix of log lines. */
  now?: () => Date;
}

/** A running status display; `stop()` leaves the last frame on screen. */
export interface Display {
  stop(): Promise<void>;
}

/**
 * Shows the live status: on a TTY a small table redrawn in place (cursor up, clear line) every
 * `refreshMs`; elsewhere one line per `logEveryMs`, so logs stay readable in files and CI.
 */
export function startDisplay(o: DisplayOptions): Display {
  let prev: StatusSample | undefined;
  let drawn = 0;
  let busy: Promise<void> | undefined;
  let stopped = false;
  const now = o.now ?? (() => new Date());

  const render = async () => {
    const cur = await o.sample();
    if (stopped) return;
    if (!prev) {
      prev = cur;
      return;
    }
    const f = figures(prev, cur);
    prev = cur;
    if (o.tty) {
      const lines = statusTable(cur, f);
      const up = drawn > 0 ? `\x1b[${drawn}A` : '';
      o.out.write(`${up}${lines.map((l) => `\r\x1b[2K${l}`).join('\n')}\n`);
      // Erase leftover rows when the host list got shorter.
      if (drawn > lines.length) {
        const extra = drawn - lines.length;
        o.out.write(`${'\x1b[2K\n'.repeat(extra)}\x1b[${extra}A`);
      }
      drawn = lines.length;
    } else {
      o.out.write(`[fleetgate dev ${now().toISOString().slice(11, 19)}] ${statusLine(cur, f)}\n`);
    }
  };
  const tick = () => {
    busy ??= render()
      .catch(() => undefined)
      .finally(() => {
        busy = undefined;
      });
  };
  tick();
  const timer = setInterval(tick, o.tty ? o.refreshMs : o.logEveryMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await busy;
    },
  };
}
