import type {
  ExecutionRequest,
  ExecutionResult,
  RuntimeBackend,
  RuntimeInstance,
  RuntimeSpec,
  StartContext,
} from './backend.ts';
import { draw, type Random } from './distribution.ts';
import { ExecutorError } from './errors.ts';
import type { SimulatedOptions } from './options.ts';

/** Request header that sets a simulated execution's duration in milliseconds. */
export const SIM_DURATION_HEADER = 'x-sim-duration-ms';
/** Request header that sets a simulated execution's status code. */
export const SIM_STATUS_HEADER = 'x-sim-status';

/**
 * Simulated runtimes: a cold start is a timer, an execution holds one of `concurrency` slots for a
 * duration taken from `x-sim-duration-ms` (header, or `simDurationMs` in a JSON body) or drawn
 * from the distribution. No process, no socket: cheap enough for hundreds of runtimes on 2 cores.
 */
export function createSimulatedBackend(
  options: SimulatedOptions,
  random: Random,
  hostname: string,
): RuntimeBackend {
  return {
    mode: 'simulated',
    async start(spec: RuntimeSpec, context: StartContext): Promise<RuntimeInstance> {
      const delay = draw(options.coldStart, random);
      context.log(`Simulated cold start of ${spec.image} (${Math.round(delay)} ms)`);
      await sleep(delay, context.signal);
      context.log('Runtime listening');
      return new SimulatedRuntime(spec, options, random, hostname);
    },
  };
}

class SimulatedRuntime implements RuntimeInstance {
  readonly pid = undefined;
  readonly memoryMb: number;
  private active = 0;
  private readonly queue: Array<{ grant: () => void; fail: (error: Error) => void }> = [];
  /** Cancels every timer in progress (stop()). */
  private readonly pending = new Set<() => void>();

  constructor(
    private readonly spec: RuntimeSpec,
    private readonly options: SimulatedOptions,
    private readonly random: Random,
    private readonly hostname: string,
  ) {
    this.memoryMb = spec.memoryMb;
  }

  async execute(request: ExecutionRequest): Promise<ExecutionResult> {
    const started = performance.now();
    const deadline = started + Math.max(1, request.timeoutMs);
    await this.takeSlot(deadline);
    try {
      const duration = requestedDuration(request) ?? draw(this.options.execution, this.random);
      const remaining = deadline - performance.now();
      await this.wait(Math.min(duration, remaining));
      if (duration > remaining) throw timeoutError();
      const status = Number(request.headers[SIM_STATUS_HEADER] ?? 200);
      const body = JSON.stringify({
        simulated: true,
        runtimeId: this.spec.id,
        hostname: this.hostname,
        method: request.method,
        path: request.path,
        durationMs: Math.round(performance.now() - started),
      });
      return {
        statusCode: Number.isInteger(status) && status >= 100 && status <= 599 ? status : 200,
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(body),
        logs: request.logging ? `simulated execution of ${request.method} ${request.path}` : '',
        errors: '',
      };
    } finally {
      this.releaseSlot();
    }
  }

  async stop(): Promise<void> {
    for (const cancel of [...this.pending]) cancel();
    for (const waiter of this.queue.splice(0)) waiter.fail(stoppedError());
  }

  onExit(): void {}

  /** A timer that stop() rejects; no timer at all for 0 ms (the cheap path benchmarks use). */
  private wait(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const cancel = () => {
        clearTimeout(timer);
        this.pending.delete(cancel);
        reject(stoppedError());
      };
      const timer = setTimeout(() => {
        this.pending.delete(cancel);
        resolve();
      }, ms);
      this.pending.add(cancel);
    });
  }

  private takeSlot(deadline: number): Promise<void> {
    if (this.active < this.options.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          clearTimeout(timer);
          this.active++;
          resolve();
        },
        fail: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        reject(timeoutError());
      }, deadline - performance.now());
      this.queue.push(waiter);
    });
  }

  private releaseSlot(): void {
    this.active--;
    this.queue.shift()?.grant();
  }
}

function requestedDuration(request: ExecutionRequest): number | undefined {
  const header = request.headers[SIM_DURATION_HEADER];
  if (header !== undefined && Number.isFinite(Number(header))) return Math.max(0, Number(header));
  if (request.body.length > 0 && request.body.length < 4096 && request.body[0] === 0x7b) {
    try {
      const parsed = JSON.parse(request.body.toString('utf8')) as { simDurationMs?: unknown };
      if (typeof parsed.simDurationMs === 'number' && parsed.simDurationMs >= 0) return parsed.simDurationMs;
    } catch {
      // Not JSON: fall back to the distribution.
    }
  }
  return undefined;
}

function timeoutError(): ExecutorError {
  return new ExecutorError('execution_timeout');
}

function stoppedError(): ExecutorError {
  return new ExecutorError('runtime_failed', 'Runtime stopped during the execution.');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () =>
      signal.reason instanceof ExecutorError
        ? signal.reason
        : new ExecutorError('runtime_failed', 'Runtime start was aborted.');
    if (signal.aborted) return reject(aborted());
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
