import { randomBytes } from 'node:crypto';
import type { Logger } from '../../lib/logger.ts';
import type { KeepWarmShare } from '../../registry/types.ts';
import { createLeaderElector, type LeaderElector } from '../../scaler/leader/elector.ts';
import type { CreateFields } from '../activator/create-fields.ts';
import { type CallBatch, decodeBatch, encodeBatch, Outbox } from './observations.ts';
import type { FieldSeal } from './sealed-fields.ts';

/** What {@link SharedKeeping} works with. */
export interface SharedKeepingDeps {
  share: KeepWarmShare;
  seal: FieldSeal;
  /** This gateway's id in the shared log (its own batches are skipped when read back). */
  gatewayId: string;
  /** The keeper lease, ms (`gateway.keepWarm.leaseTtl`). */
  leaseTtl: number;
  /** Batches the log keeps (`gateway.keepWarm.sharedBatches`). */
  keepBatches: number;
  /** Runtimes per batch (`gateway.keepWarm.maxRuntimes`). */
  maxRuntimes: number;
  /** A runtime's create fields are sent again after this long (a new keeper may not have them), ms. */
  fieldsEvery: number;
  logger: Logger;
  /** Wall clock, ms. */
  now: () => number;
}

/** Pages of the log read per exchange at most (500 batches each): a backlog is caught up over ticks. */
const READ_PAGES = 10;
const PAGE = 500;

/**
 * The I/O side of keep-warm shared by a pool's gateways (the keeper calls it once per tick): the
 * keeper lease, campaigned for like the scaler's leader lock, so one gateway of the pool pre-warms
 * and deletes; this gateway's calls, batched per tick into the shared log (never a write per
 * request); the other gateways' batches read back, from the oldest kept at start, so every gateway
 * holds the pool's histories and a new keeper takes over with them. Failures are logged and passed
 * by: a lost batch loses idle times, never a request.
 */
export class SharedKeeping {
  readonly outbox: Outbox;
  private readonly elector: LeaderElector;
  private cursor = '0';
  private readonly fieldsSentAt = new Map<string, number>();
  private readonly log: Logger;

  constructor(private readonly deps: SharedKeepingDeps) {
    this.outbox = new Outbox(deps.maxRuntimes);
    this.log = deps.logger.child({ component: 'keep-warm-share' });
    this.elector = createLeaderElector({
      lock: deps.share.lease(`${deps.gatewayId}:${randomBytes(4).toString('hex')}`, deps.leaseTtl),
      renewEveryMs: Math.max(100, Math.floor(deps.leaseTtl / 3)),
      logger: this.log,
      onChange: (leader) => this.log.info({ leader }, leader ? 'keep-warm keeper' : 'keep-warm follower'),
    });
  }

  start(): void {
    this.elector.start();
  }

  async stop(): Promise<void> {
    await this.elector.stop();
  }

  /** Whether this gateway is the pool's keeper now. */
  leads(): boolean {
    return this.elector.isLeader();
  }

  /** A runtime's create fields are known here: sent (sealed) with the next batch unless sent lately. */
  fieldsSeen(runtimeId: string, fields: CreateFields, changed = false): void {
    const now = this.deps.now();
    const sent = this.fieldsSentAt.get(runtimeId);
    if (!changed && sent !== undefined && now - sent < this.deps.fieldsEvery) return;
    this.fieldsSentAt.delete(runtimeId);
    this.fieldsSentAt.set(runtimeId, now);
    if (this.fieldsSentAt.size > this.deps.maxRuntimes) {
      const oldest = this.fieldsSentAt.keys().next().value;
      if (oldest !== undefined) this.fieldsSentAt.delete(oldest);
    }
    this.outbox.withFields(runtimeId, this.deps.seal.seal(fields));
  }

  /** Opens fields another gateway sent; undefined when they are not readable with our secret. */
  openFields(sealed: string): CreateFields | undefined {
    return this.deps.seal.open(sealed);
  }

  /**
   * Publishes this interval's batch (with the runtimes running here now) and answers the batches
   * the other gateways published since the last exchange.
   */
  async exchange(running: ReadonlyMap<string, number>): Promise<CallBatch[]> {
    const batch = this.outbox.take(this.deps.gatewayId, this.deps.now(), running);
    if (batch !== undefined) {
      try {
        await this.deps.share.publish(encodeBatch(batch), this.deps.keepBatches);
      } catch (error) {
        this.log.debug({ err: (error as Error).message }, 'keep-warm: batch not published');
      }
    }
    const out: CallBatch[] = [];
    try {
      for (let page = 0; page < READ_PAGES; page++) {
        const { cursor, batches } = await this.deps.share.read(this.cursor, PAGE);
        this.cursor = cursor;
        for (const text of batches) {
          const b = decodeBatch(text);
          if (b !== undefined && b.gateway !== this.deps.gatewayId) out.push(b);
        }
        if (batches.length < PAGE) break;
      }
    } catch (error) {
      this.log.debug({ err: (error as Error).message }, 'keep-warm: shared log not read');
    }
    return out;
  }

  /** Hosts whose drain the scaler announced (none when the store is down). */
  async drainIntents(): Promise<string[]> {
    try {
      return await this.deps.share.drainIntents();
    } catch {
      return [];
    }
  }

  /** Acknowledges a drain: its runtimes were handed over. */
  async ackDrain(hostId: string): Promise<void> {
    try {
      await this.deps.share.ackDrain(hostId);
    } catch (error) {
      this.log.debug({ err: (error as Error).message, host: hostId }, 'keep-warm: drain not acknowledged');
    }
  }
}
