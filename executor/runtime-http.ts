import { closeSync, fstatSync, openSync, readSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'undici';
import type { ExecutionRequest, ExecutionResult } from './backend.ts';
import { ExecutorError } from './errors.ts';

/** Connection-level headers of the runtime's response, not the function's (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-connection',
]);

/**
 * The executor's side of the runtime protocol (Open Runtimes v5) for one runtime, wherever it runs
 * (a child process, a container): executions over a keep-alive pool to its HTTP address, and the
 * `<logId>_logs.log` / `_errors.log` files it writes into `logsDir`, read and deleted per execution.
 */
export class RuntimeHttp {
  private readonly pool: Pool;

  constructor(
    baseUrl: string,
    private readonly key: string,
    private readonly logsDir: string,
    private readonly graceMs: number,
  ) {
    this.pool = new Pool(baseUrl, { connections: 32, pipelining: 1 });
  }

  async execute(request: ExecutionRequest): Promise<ExecutionResult> {
    const logId = Math.random().toString(36).slice(2, 14);
    const headers: Record<string, string> = {
      ...request.headers,
      'x-open-runtimes-secret': this.key,
      // Whole seconds, at least 1, as the real executor sends it.
      'x-open-runtimes-timeout': String(Math.max(1, Math.floor(request.timeoutMs / 1000))),
      'x-open-runtimes-logging': request.logging ? 'enabled' : 'disabled',
      'x-open-runtimes-log-id': logId,
    };
    // The caller's `host` stays (the function reads it); the length is the body's own.
    delete headers['content-length'];
    for (const name of HOP_BY_HOP) delete headers[name];
    // The runtime answers a slow function itself at the timeout (500, "Execution timed out."); the
    // executor waits 5 s more for that answer, as the real one does.
    const waitMs = request.timeoutMs + this.graceMs;
    let response: Awaited<ReturnType<Pool['request']>>;
    let body: Buffer;
    try {
      response = await this.pool.request({
        method: request.method as 'GET',
        path: request.path,
        headers,
        // Sent for every method, GET and HEAD too (the real executor does).
        body: request.body.length > 0 ? request.body : undefined,
        headersTimeout: waitMs,
        bodyTimeout: waitMs,
      });
      body = Buffer.from(await response.body.arrayBuffer());
    } catch (error) {
      throw executionFailure(error, waitMs);
    }
    const headersOut: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(response.headers)) {
      if (v !== undefined && !HOP_BY_HOP.has(k)) headersOut[k] = v;
    }
    const id = String(response.headers['x-open-runtimes-log-id'] ?? logId);
    const [logs, errors] = request.logging ? this.readLogs(id) : ['', ''];
    return { statusCode: response.statusCode, headers: headersOut, body, logs, errors };
  }

  /** Closes the connections (idempotent). */
  close(): Promise<void> {
    return this.pool.destroy().catch(() => {});
  }

  /**
   * Reads and deletes the runtime's `<logId>_logs.log` / `_errors.log`, each cut at 5 MiB with the
   * real executor's note. Synchronous on purpose: the files are usually a few bytes, and the
   * thread-pool round trips of fs/promises cost more CPU than the reads (measured: ~30 % of executor
   * CPU under load with the async version).
   */
  private readLogs(id: string): [string, string] {
    const read = (file: string, what: string) => {
      const path = join(this.logsDir, file);
      try {
        const text = readLogFile(path, what);
        unlinkSync(path);
        return text;
      } catch {
        return '';
      }
    };
    return [read(`${id}_logs.log`, 'Log'), read(`${id}_errors.log`, 'Error')];
  }
}

/** Most bytes of logs (and of errors) one execution returns: the real executor's MAX_LOG_SIZE. */
export const MAX_LOG_BYTES = 5 * 1024 * 1024;

/** Extra time the executor waits past an execution's timeout for the runtime's own answer. */
export const RUNTIME_GRACE_MS = 5_000;

/** A log file's first MAX_LOG_BYTES as text, with "<What> file has been truncated to 5.00MB." when cut. */
function readLogFile(path: string, what: string): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(size, MAX_LOG_BYTES));
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, read);
      if (n === 0) break;
      read += n;
    }
    const text = buffer.subarray(0, read).toString('utf8');
    if (size <= MAX_LOG_BYTES) return text;
    return `${text}\n${what} file has been truncated to ${(MAX_LOG_BYTES / 1048576).toFixed(2)}MB.`;
  } finally {
    closeSync(fd);
  }
}

/**
 * The error for an execution the runtime did not answer: a bad request (400), no answer within
 * timeout + 5 s, or a connection the runtime closed (it crashed or exited). The last two are 500,
 * as the real executor answers every transport error with its runtime.
 */
function executionFailure(error: unknown, waitMs: number): ExecutorError {
  const code = (error as { code?: string }).code;
  if (code === 'UND_ERR_INVALID_ARG') {
    return new ExecutorError(
      'execution_bad_request',
      `Invalid execution request: ${(error as Error).message}`,
    );
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new ExecutorError(
      'execution_timeout',
      `The runtime did not answer within the execution's timeout + 5 s (${waitMs} ms).`,
      { status: 500, cause: error },
    );
  }
  return new ExecutorError(
    'runtime_failed',
    `The runtime closed the connection during the execution: ${(error as Error).message}`,
    { status: 500, cause: error },
  );
}
