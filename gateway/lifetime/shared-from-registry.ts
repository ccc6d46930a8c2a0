import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../../lib/logger.ts';
import type { HostRegistry } from '../../registry/types.ts';
import { FieldSeal } from './sealed-fields.ts';
import { SharedKeeping } from './shared-keeping.ts';

/**
 * Shared keep-warm for a gateway whose registry supports it (Redis); undefined otherwise (the memory
 * registry or a static pool: this gateway keeps alone, in memory).
 */
export function sharedKeeping(setup: {
  registry: HostRegistry | undefined;
  pool: string;
  options: { leaseTtl: number; sharedBatches: number; maxRuntimes: number; binWidth: number; bins: number };
  executorSecret: string;
  logger: Logger;
  now: () => number;
}): SharedKeeping | undefined {
  const share = setup.registry?.keepWarmShare?.(setup.pool);
  if (share === undefined) return undefined;
  const o = setup.options;
  return new SharedKeeping({
    share,
    seal: new FieldSeal(setup.executorSecret),
    gatewayId: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    leaseTtl: o.leaseTtl,
    keepBatches: o.sharedBatches,
    maxRuntimes: o.maxRuntimes,
    // Once per histogram range: a keeper that takes over learns them within what it can predict.
    fieldsEvery: o.binWidth * o.bins,
    logger: setup.logger,
    now: setup.now,
  });
}
