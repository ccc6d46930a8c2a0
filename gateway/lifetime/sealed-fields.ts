import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { CreateFields } from '../activator/create-fields.ts';

/**
 * A runtime's create fields (its variables may hold secrets) as they travel through the shared
 * keep-warm log: AES-256-GCM under a key derived (HKDF-SHA256) from the executor secret, which every
 * gateway of a pool holds and Redis does not. `open` answers undefined for anything it cannot
 * authenticate (another secret, a corrupt entry).
 */
export class FieldSeal {
  private readonly key: Buffer;

  constructor(executorSecret: string) {
    this.key = Buffer.from(hkdfSync('sha256', executorSecret, '', 'fleetgate keep-warm create fields', 32));
  }

  seal(fields: CreateFields): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(fields), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  open(sealed: string): CreateFields | undefined {
    try {
      const raw = Buffer.from(sealed, 'base64');
      if (raw.length < 29) return undefined;
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      const value = JSON.parse(text) as unknown;
      return typeof value === 'object' && value !== null && typeof (value as CreateFields).image === 'string'
        ? (value as CreateFields)
        : undefined;
    } catch {
      return undefined;
    }
  }
}
