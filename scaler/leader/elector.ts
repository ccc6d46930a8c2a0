import type { Logger } from '../../lib/logger.ts';
import type { LeaderLock } from '../coordination/types.ts';

/** Whether this scaler leads a pool; a follower evaluates in dry-run and takes over when the lock frees. */
export interface LeaderElector {
  isLeader(): boolean;
  /** One campaign step: renew when leading, try to acquire otherwise. Returns the new status. */
  step(): Promise<boolean>;
  /** Campaigns every `renewEveryMs` in the background. */
  start(): void;
  /** Stops campaigning and releases the lock when held, so a follower takes over at once. */
  stop(): Promise<void>;
}

/** Options of {@link createLeaderElector}. */
export interface LeaderElectorOptions {
  lock: LeaderLock;
  /** How often to renew or retry; a third of the lease gives two retries before it expires. */
  renewEveryMs: number;
  logger: Logger;
  /** Called on every change of status. */
  onChange?: (leader: boolean) => void;
}

/**
 * Campaigns for a pool's leader lock. A failed renewal (lost lock, Redis down) steps down at once:
 * a leader that cannot prove it still holds the lease must stop acting before another one starts.
 */
export function createLeaderElector(options: LeaderElectorOptions): LeaderElector {
  const log = options.logger.child({ component: 'leader', key: options.lock.key });
  let leader = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<boolean> | undefined;
  let stopped = false;

  const set = (next: boolean) => {
    if (next === leader) return;
    leader = next;
    log.info({ leader }, next ? 'leader lock acquired' : 'leader lock lost; following (dry-run)');
    options.onChange?.(next);
  };

  const step = async (): Promise<boolean> => {
    if (stopped) return false;
    running ??= (async () => {
      try {
        set(leader ? await options.lock.renew() : await options.lock.acquire());
        return leader;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  return {
    isLeader: () => leader,
    step,
    start() {
      if (timer || stopped) return;
      void step();
      timer = setInterval(() => void step(), options.renewEveryMs);
      timer.unref?.();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
      if (leader) {
        await options.lock.release();
        set(false);
      }
    },
  };
}

/** The elector of a scaler with no shared store (memory registry): it always leads. */
export function soleLeader(): LeaderElector {
  return { isLeader: () => true, step: async () => true, start() {}, async stop() {} };
}
