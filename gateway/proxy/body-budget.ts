import { GatewayError } from '../errors.ts';

/**
 * Bodies buffered at once, in multiples of the body limit (88 MiB at the default 22 MiB): past it
 * a request that must be buffered gets a 503 instead of more memory (issue 18: eight concurrent
 * 22 MiB creates took the gateway from 93 to 441 MiB).
 */
export const BUFFERED_BODIES = 4;

/** The memory the gateway lends to bodies it must read before forwarding (creates keyed by body, broadcasts). */
export class BodyBudget {
  private bytes = 0;
  constructor(private readonly bodyLimit: number) {}

  /**
   * Reserves what a body may take (its length, or the limit when chunked or unknown) before it is
   * read; a 503 when the budget is spent. The returned function gives it back.
   */
  reserve(contentLength: string | undefined, hasBody: boolean): () => void {
    const size = hasBody ? Math.min(this.bodyLimit, Number(contentLength ?? this.bodyLimit)) : 0;
    if (this.bytes + size > BUFFERED_BODIES * this.bodyLimit) {
      throw new GatewayError('GW_BUSY', 'Too many large request bodies in flight; retry shortly.');
    }
    this.bytes += size;
    let held = true;
    return () => {
      if (held) this.bytes -= size;
      held = false;
    };
  }

  /** Bytes reserved right now. */
  get reserved(): number {
    return this.bytes;
  }
}
