import { FleetgateError } from '../lib/errors.ts';

/** Every error the gateway answers with: a stable code, the HTTP status and the wire `code` text. */
export const GATEWAY_ERRORS = {
  GW_UNAUTHORIZED: { status: 401, wire: 'general_unauthorized' },
  GW_BAD_ADDRESSING: { status: 400, wire: 'general_argument_invalid' },
  GW_BAD_RUNTIME_ID: { status: 400, wire: 'general_argument_invalid' },
  GW_BAD_BODY: { status: 400, wire: 'general_argument_invalid' },
  GW_BAD_PATH: { status: 400, wire: 'general_argument_invalid' },
  GW_BAD_HEADERS: { status: 400, wire: 'general_argument_invalid' },
  GW_TOO_MANY_HEADERS: { status: 431, wire: 'request_header_fields_too_large' },
  GW_BODY_TOO_LARGE: { status: 413, wire: 'body_too_large' },
  GW_NO_HOSTS: { status: 503, wire: 'no_hosts' },
  GW_BUSY: { status: 503, wire: 'busy' },
  GW_HOLD_QUEUE_FULL: { status: 429, wire: 'cold_start_queue_full' },
  GW_HOLD_LIMIT: { status: 503, wire: 'hold_limit' },
  GW_UPSTREAM_CONNECT: { status: 502, wire: 'upstream_unreachable' },
  GW_UPSTREAM_FAILED: { status: 502, wire: 'upstream_failed' },
  GW_UPSTREAM_TIMEOUT: { status: 504, wire: 'upstream_timeout' },
  GW_BROADCAST_FAILED: { status: 502, wire: 'broadcast_failed' },
} as const;

/** A gateway error code. */
export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;

/** An error the gateway turns into a JSON response `{message, code, version}` in its one onError. */
export class GatewayError extends FleetgateError {
  override readonly code: GatewayErrorCode;
  /** Extra fields for the body (e.g. the broadcast failures). */
  readonly details: Record<string, unknown> | undefined;
  constructor(
    code: GatewayErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(code, message, options);
    this.code = code;
    this.details = options?.details;
  }
  /** The HTTP status this error is answered with. */
  get status(): number {
    return GATEWAY_ERRORS[this.code].status;
  }
  /** The `code` field of the JSON body (open-runtimes style snake case). */
  get wireCode(): string {
    return GATEWAY_ERRORS[this.code].wire;
  }
}
