import { FleetgateError } from '../lib/errors.ts';

/** Error types of the Open Runtimes executor (open-runtimes/executor `app/config/errors.php`). */
export type ExecutorErrorType =
  | 'general_unknown'
  | 'general_route_not_found'
  | 'general_unauthorized'
  | 'general_argument_invalid'
  | 'general_payload_too_large'
  | 'runtime_failed'
  | 'runtime_timeout'
  | 'runtime_not_found'
  | 'runtime_conflict'
  | 'build_failed'
  | 'execution_bad_request'
  | 'execution_bad_json'
  | 'execution_timeout'
  | 'logs_timeout'
  | 'build_queue_full'
  | 'command_timeout'
  | 'command_failed';

/** Default status and message per type, as the real executor answers them. */
const DEFAULTS: Record<ExecutorErrorType, [number, string]> = {
  general_unknown: [500, 'Internal server error.'],
  // The message of the real executor's HTTP framework for an unknown route.
  general_route_not_found: [404, 'Not Found'],
  general_unauthorized: [401, 'Missing executor key'],
  general_argument_invalid: [400, 'Invalid argument.'],
  general_payload_too_large: [413, 'Request body is larger than the 22 MiB limit.'],
  runtime_failed: [400, 'Runtime failed.'],
  runtime_timeout: [400, 'Timed out waiting for runtime.'],
  runtime_not_found: [404, 'Runtime not found'],
  runtime_conflict: [409, 'Runtime already exists.'],
  build_failed: [400, 'Build failed.'],
  execution_bad_request: [400, 'Execution request was invalid.'],
  execution_bad_json: [
    400,
    'Execution resulted in binary response, but JSON response does not allow binaries. Use "Accept: multipart/form-data" header to support binaries.',
  ],
  execution_timeout: [400, 'Timed out waiting for execution.'],
  logs_timeout: [504, 'Timed out waiting for logs.'],
  // Fleetgate's own: the build queue is at its bound (executor/build/queue.ts).
  build_queue_full: [503, 'The build queue is full; retry later.'],
  command_timeout: [500, 'Operation timed out.'],
  command_failed: [500, 'Failed to execute command.'],
};

/**
 * An error the executor answers with `{type, message, code, version}`; `code` in the body is the
 * HTTP status (as in the real executor), the FleetgateError `code` is `EXECUTOR_<TYPE>`.
 */
export class ExecutorError extends FleetgateError {
  readonly type: ExecutorErrorType;
  readonly status: number;
  constructor(type: ExecutorErrorType, message?: string, options?: { cause?: unknown; status?: number }) {
    const [status, fallback] = DEFAULTS[type];
    super(`EXECUTOR_${type.toUpperCase()}`, message ?? fallback, options);
    this.type = type;
    this.status = options?.status ?? status;
  }
}
