import { type Document, LineCounter, parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { deepFreeze } from '../../config/freeze.ts';
import { FleetgateError } from '../../lib/errors.ts';
import { positionOfPath } from '../../lib/yaml-locate.ts';
import { type Policy, policySchema } from './schema.ts';

/** One problem in a policy file: where (path and line), what was there, and what is wrong. */
export interface PolicyIssue {
  /** Dotted path from the file's root, e.g. `pools[1].scaleDown.stabilizationWindow`. */
  path: string;
  line: number | undefined;
  message: string;
}

/** A policy file is invalid; `issues` names every problem, the message lists them one per line. */
export class PolicyError extends FleetgateError {
  readonly issues: PolicyIssue[];
  constructor(filename: string, issues: PolicyIssue[]) {
    const lines = issues.map(
      (i) => `  ${filename}${i.line ? `:${i.line}` : ''}: ${i.path || '(root)'}: ${i.message}`,
    );
    super('POLICY_INVALID', `invalid policy ${filename}:\n${lines.join('\n')}`);
    this.issues = issues;
  }
}

/** Formats a path the way a reader of the YAML thinks of it: `pools[0].metrics[1].target.value`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? String(s) : `.${String(s)}`))
    .join('');
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const s of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[s];
  }
  return v;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

type ZodIssue = z.ZodError['issues'][number];

/**
 * A union that matched no branch reports every branch's issues; keep the branch that came
 * closest (fewest issues, preferring one that recognised the keys), so the message names the
 * real problem (`source.prometheus.url`) instead of "matched no option".
 */
function flattenUnions(issues: readonly ZodIssue[]): ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union' || !('errors' in issue) || issue.errors.length === 0) return [issue];
    const score = (branch: readonly ZodIssue[]) =>
      branch.length + (branch.some((i) => i.code === 'unrecognized_keys' && i.path.length === 0) ? 100 : 0);
    const best = [...issue.errors].sort((a, b) => score(a) - score(b))[0]!;
    if (best.length === 0 || best.every((i) => i.code === 'invalid_type' && i.path.length === 0))
      return [issue];
    return flattenUnions(best.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as ZodIssue));
  });
}

/** The line of `path`: of its key, so an unknown key points at itself (lib/yaml-locate.ts). */
function lineOfPath(doc: Document, path: readonly PropertyKey[], lc: LineCounter): number | undefined {
  return positionOfPath(doc, path, lc, 'key')?.line;
}

function issuesOf(
  error: z.ZodError,
  raw: unknown,
  base: PropertyKey[],
  doc: Document,
  lc: LineCounter,
): PolicyIssue[] {
  return flattenUnions(error.issues).map((issue) => {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const keyPath = [...path, issue.keys[0]!];
      return {
        path: formatPath(keyPath),
        line: lineOfPath(doc, keyPath, lc),
        message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`,
      };
    }
    const value = valueAt(raw, issue.path);
    if (value === undefined && issue.code === 'invalid_type') {
      return { path: formatPath(path), line: lineOfPath(doc, path, lc), message: 'is required' };
    }
    const got = issue.message.includes('got ') ? '' : `, got ${describe(value)}`;
    return {
      path: formatPath(path),
      line: lineOfPath(doc, path, lc),
      message: `${issue.message}${got}`,
    };
  });
}

/**
 * Parses a policy file. It may hold one policy, `pools: [ policy, ... ]`, or several YAML documents
 * separated by `---` (each a policy or a `pools:` list). Returns frozen policies with every default
 * filled in, or throws a PolicyError naming each field's path, value and line.
 */
export function parsePolicies(text: string, filename = 'policy'): readonly Policy[] {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  const issues: PolicyIssue[] = [];
  const policies: Policy[] = [];
  const pools = new Map<string, string>();
  for (const doc of list) {
    for (const e of [...doc.errors, ...doc.warnings]) {
      issues.push({
        path: '',
        line: lc.linePos(e.pos[0]).line,
        message: `YAML: ${e.message.split('\n')[0]}`,
      });
    }
    if (doc.errors.length > 0) continue;
    const raw = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (raw === null || raw === undefined) continue;
    const isList = typeof raw === 'object' && !Array.isArray(raw) && 'pools' in raw;
    const entries: [PropertyKey[], unknown][] = [];
    if (isList) {
      const listed = (raw as { pools: unknown }).pools;
      const extra = Object.keys(raw).filter((k) => k !== 'pools');
      if (extra.length > 0) {
        issues.push({
          path: extra[0]!,
          line: lineOfPath(doc, [extra[0]!], lc),
          message: 'a file with `pools:` holds nothing else at the top level',
        });
      }
      if (!Array.isArray(listed)) {
        issues.push({
          path: 'pools',
          line: lineOfPath(doc, ['pools'], lc),
          message: 'must be a list',
        });
        continue;
      }
      listed.forEach((p, i) => {
        entries.push([['pools', i], p]);
      });
    } else {
      entries.push([[], raw]);
    }
    for (const [base, input] of entries) {
      const result = policySchema.safeParse(input);
      if (!result.success) {
        issues.push(...issuesOf(result.error, input, base, doc, lc));
        continue;
      }
      const at = formatPath([...base, 'pool']);
      const seen = pools.get(result.data.pool);
      if (seen !== undefined) {
        issues.push({
          path: at,
          line: lineOfPath(doc, [...base, 'pool'], lc),
          message: `pool "${result.data.pool}" is already defined (${seen})`,
        });
        continue;
      }
      pools.set(result.data.pool, at);
      policies.push(result.data);
    }
  }
  if (issues.length === 0 && policies.length === 0) {
    issues.push({ path: '', line: undefined, message: 'the file holds no policy' });
  }
  issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  if (issues.length > 0) throw new PolicyError(filename, issues);
  return Object.freeze(policies.map((p) => deepFreeze(p) as Policy));
}

/** Parses a file that must hold exactly one policy. */
export function parsePolicy(text: string, filename = 'policy'): Policy {
  const policies = parsePolicies(text, filename);
  if (policies.length !== 1) {
    throw new PolicyError(filename, [
      { path: '', line: undefined, message: `expected one policy, found ${policies.length}` },
    ]);
  }
  return policies[0]!;
}
