import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.ts';
import { createStaticProvider, staticHostId } from './static.ts';
import { ProviderError } from './types.ts';

describe('static provider', () => {
  const urls = ['http://10.0.0.1:8001', 'http://10.0.0.2:8001/', 'https://exec.example'];

  it.each([
    ['http://10.0.0.1:8001', '10.0.0.1:8001'],
    ['https://exec.example', 'exec.example'],
  ])('derives the id of %s from host and port', (url, id) => {
    expect(staticHostId(url)).toBe(id);
  });

  it('hands out hosts in order, skipping those in use, then reports exhaustion', async () => {
    const p = createStaticProvider({ hosts: urls, logger: silentLogger() });
    const inUse = new Set(['10.0.0.1:8001']);
    const a = await p.create({ inUse });
    expect(a).toEqual({ id: '10.0.0.2:8001', url: 'http://10.0.0.2:8001', labels: {} });
    inUse.add(a.id);
    const b = await p.create({ inUse });
    expect(b.id).toBe('exec.example');
    inUse.add(b.id);
    const error = await p.create({ inUse }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('PROVIDER_EXHAUSTED');
    inUse.delete(a.id);
    await p.destroy(a);
    expect((await p.create({ inUse })).id).toBe(a.id);
  });
});
