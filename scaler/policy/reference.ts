import { readFileSync } from 'node:fs';
import { renderRows, schemaRows } from '../../config/reference.ts';
import { cell, markdownTable } from '../../lib/markdown.ts';
import { DEFAULT_BOOT_MS } from '../simulate/run.ts';
import { SCENARIOS } from '../simulate/scenarios.ts';
import { policySchema } from './schema.ts';

/** The generated block of docs/scaling-policy.md that lists every policy field. */
export const POLICY_REFERENCE_BLOCK = 'policy-reference';
/** The generated block of docs/scaling-policy.md that shows the full example policy. */
export const EXAMPLE_BLOCK = 'policy-example';
/** The generated block of docs/scaling-policy.md that lists the simulator's scenarios. */
export const SCENARIO_BLOCK = 'policy-scenarios';

/** Every field of a policy with its type, default and meaning, from the schema (`policySchema`). */
export function renderPolicyReference(): string {
  return renderRows(schemaRows(policySchema), false);
}

const seconds = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`);

/** The named scenarios of `scaler/simulate/scenarios.ts`: name, input, starting fleet, length, boot. */
export function renderScenarioTable(): string {
  return markdownTable(
    ['scenario', 'input', 'hosts at start', 'simulated', 'host boot'],
    Object.values(SCENARIOS).map((s) => [
      `\`${s.name}\``,
      cell(s.description),
      String(s.initialHosts),
      seconds(s.durationMs),
      seconds(s.bootMs ?? DEFAULT_BOOT_MS),
    ]),
  );
}

/** The full example policy, every field written out: the full-stack example's policy file. */
export const EXAMPLE_POLICY_FILE = 'config/examples/policies/default.yaml';

/** `EXAMPLE_POLICY_FILE` as a fenced YAML block. */
export function renderExamplePolicy(): string {
  const text = readFileSync(new URL(`../../${EXAMPLE_POLICY_FILE}`, import.meta.url), 'utf8');
  return `\`\`\`yaml\n${text.trimEnd()}\n\`\`\`\n`;
}
