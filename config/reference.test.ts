import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { schemaPaths } from '../test/support/schema-paths.ts';
import { ENV_MAPPINGS } from './env.ts';
import { REFERENCE_END, REFERENCE_START, referenceRows, replaceReference } from './reference.ts';
import { configSchema } from './schema/index.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

const allPaths = schemaPaths(configSchema);

describe('README configuration reference', () => {
  it('finds the fields of every section', () => {
    expect(allPaths).toEqual(
      expect.arrayContaining(['pool', 'gateway.healthCheck.probeBackoff.max', 'executor.mode']),
    );
    expect(allPaths.length).toBeGreaterThan(50);
  });

  it.each(allPaths)('documents %s in the README', (path) => {
    // Every character literal: an array's fields read `pins[].pattern`.
    const literal = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(readme).toMatch(new RegExp(`^\\| (\\*\\*)?\`${literal}\`(\\*\\*)? +\\|`, 'm'));
  });

  it('has a description for every field', () => {
    expect(
      referenceRows()
        .filter((r) => r.description === '')
        .map((r) => r.path),
    ).toEqual([]);
  });

  it.each(ENV_MAPPINGS.map((m) => [m.env, m.path.join('.')]))(
    '%s sets a real field (%s) and is documented',
    (env, path) => {
      expect(allPaths).toContain(path);
      expect(readme).toContain(`\`${env}\``);
    },
  );
});

describe('replaceReference', () => {
  it('replaces only the text between the markers, idempotently', () => {
    const text = `# A\n\n${REFERENCE_START}\nold table\n${REFERENCE_END}\n\n## B\n`;
    const once = replaceReference(text, 'new table\n');
    expect(once).toBe(`# A\n\n${REFERENCE_START}\nnew table\n${REFERENCE_END}\n\n## B\n`);
    expect(replaceReference(once, 'new table\n')).toBe(once);
  });

  it('throws when the markers are missing', () => {
    expect(() => replaceReference('# no markers\n')).toThrow('config-reference:start');
  });
});
