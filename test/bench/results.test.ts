import { describe, expect, it } from 'vitest';
import { commandLine } from '../../bench/lib/results.js';

describe('commandLine', () => {
  it('names the npm script and the arguments the run was given', () => {
    expect(commandLine('routing', false, ['--rounds', '3'], 'bench:routing')).toBe(
      'npm run bench:routing -- --rounds 3',
    );
  });

  it('has no argument separator when there are no arguments', () => {
    expect(commandLine('ring', false, [], undefined)).toBe('npm run bench:ring');
  });

  it('adds --quick when the run was quick but the flag came from elsewhere', () => {
    expect(commandLine('ring', true, [], undefined)).toBe('npm run bench:ring -- --quick');
    expect(commandLine('ring', true, ['--quick'], 'bench:ring')).toBe('npm run bench:ring -- --quick');
  });

  it('uses the script that ran when one script writes under another name', () => {
    expect(commandLine('overhead-ab', false, ['--name', 'overhead-ab'], 'bench:instructions')).toBe(
      'npm run bench:instructions -- --name overhead-ab',
    );
  });

  it('quotes arguments a shell would split', () => {
    expect(commandLine('routing', false, ['--label', "it's a b"], undefined)).toBe(
      `npm run bench:routing -- --label 'it'\\''s a b'`,
    );
  });
});
