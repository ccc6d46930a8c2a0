import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readBlock } from '../lib/markdown.ts';
import { GENERATED_BLOCKS } from './generated-docs.ts';

describe('generated documentation', () => {
  it.each(GENERATED_BLOCKS.map((b) => [b.file, b.block, b] as const))(
    '%s block %s is up to date (run `npm run docs:write` when this fails)',
    (file, block, b) => {
      const text = readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
      const current = readBlock(text, block);
      expect(current, `${file} has no ${block} markers`).toBeDefined();
      expect(current).toBe(b.render());
    },
  );
});
