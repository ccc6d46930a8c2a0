import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireBinary } from '../support/processes.ts';

// Each benchmark in --quick mode must finish and write a well-formed results file. No speed is
// asserted: the numbers depend on the machine; only the shape of the output is checked.

const outDir = mkdtempSync(join(tmpdir(), 'fleetgate-bench-smoke-'));
const running = new Set<ChildProcess>();

/** Runs `bench/<name>/run.ts --quick`; SIGTERM (the benchmark then stops its own children) past `limitMs`. */
function runQuick(name: string, limitMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', `bench/${name}/run.ts`, '--quick', '--out', outDir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    running.add(child);
    let output = '';
    const keep = (c: Buffer) => {
      output = (output + c.toString()).slice(-8000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGTERM'), limitMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, output });
    });
  });
}

interface Table {
  title: string;
  columns: string[];
  rows: unknown[][];
}

function readResult(name: string): { json: Record<string, unknown>; tables: Table[]; md: string } {
  const json = JSON.parse(readFileSync(join(outDir, `${name}.json`), 'utf8')) as Record<string, unknown>;
  return { json, tables: json.tables as Table[], md: readFileSync(join(outDir, `${name}.md`), 'utf8') };
}

function rowNames(tables: Table[]): string[] {
  return tables.flatMap((t) => t.rows.map((r) => String(r[0])));
}

afterAll(async () => {
  for (const child of running) {
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 3000));
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  rmSync(outDir, { recursive: true, force: true });
});

describe('benchmarks in --quick mode', () => {
  it.each([
    {
      name: 'ring',
      needs: [] as string[],
      expectRows: [
        'Fleetgate (gateway/ring.ts)',
        'consistent-hash (default)',
        'consistent-hash (uniform, sorted)',
        'hashring',
      ],
    },
    {
      name: 'overhead',
      needs: ['wrk', 'haproxy', 'nginx'],
      expectRows: ['direct', 'Fleetgate', 'node floor (node:http + undici)', 'HAProxy', 'nginx'],
    },
    {
      name: 'routing',
      needs: ['redis-server', 'haproxy'],
      expectRows: ['Fleetgate anycast-efficient', 'HAProxy hash, balance-factor 125'],
    },
  ])(
    '$name writes a well-formed results file',
    async ({ name, needs, expectRows }) => {
      // A peer that is missing fails the test (npm test installs them all), never drops its row.
      for (const bin of needs) requireBinary(bin, bin);
      const { code, output } = await runQuick(name, 150_000);
      expect(code, output).toBe(0);
      expect(existsSync(join(outDir, `${name}.json`))).toBe(true);
      const { json, tables, md } = readResult(name);
      expect(json).toMatchObject({
        benchmark: name,
        quick: true,
        // The command as it ran: the smoke test's own options included.
        command: `npm run bench:${name} -- --quick --out ${outDir}`,
      });
      expect((json.machine as { nproc: number }).nproc).toBeGreaterThan(0);
      expect(tables.length).toBeGreaterThan(0);
      for (const t of tables) {
        expect(t.rows.length, t.title).toBeGreaterThan(0);
        for (const row of t.rows) expect(row).toHaveLength(t.columns.length);
      }
      expect(rowNames(tables)).toEqual(expect.arrayContaining(expectRows));
      expect(md.startsWith(`# ${name} (quick)`)).toBe(true);
      expect(md).toContain(`| ${tables[0]!.columns.join(' | ')} |`);
    },
    200_000,
  );
});
