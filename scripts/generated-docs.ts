/**
 * Every block of the documentation that is generated from code: the file, the block's name and what
 * renders it. `scripts/docs.ts` writes or checks them; `scripts/generated-docs.test.ts` fails when
 * one is out of date.
 */
import { PEER_CONFIG_BLOCK, renderPeerConfigs } from '../bench/lib/peer-docs.ts';
import { REFERENCE_BLOCK, renderReference } from '../config/reference.ts';
import {
  EXAMPLE_BLOCK,
  POLICY_REFERENCE_BLOCK,
  renderExamplePolicy,
  renderPolicyReference,
  renderScenarioTable,
  SCENARIO_BLOCK,
} from '../scaler/policy/reference.ts';

/** One generated block: `render()` is what belongs between its markers in `file`. */
export interface GeneratedBlock {
  /** Path from the repository root. */
  file: string;
  block: string;
  render: () => string;
}

/** Every generated block, in the order `npm run docs:write` writes them. */
export const GENERATED_BLOCKS: readonly GeneratedBlock[] = [
  { file: 'README.md', block: REFERENCE_BLOCK, render: renderReference },
  { file: 'docs/scaling-policy.md', block: EXAMPLE_BLOCK, render: renderExamplePolicy },
  { file: 'docs/scaling-policy.md', block: POLICY_REFERENCE_BLOCK, render: renderPolicyReference },
  { file: 'docs/scaling-policy.md', block: SCENARIO_BLOCK, render: renderScenarioTable },
  { file: 'docs/benchmarks.md', block: PEER_CONFIG_BLOCK, render: renderPeerConfigs },
];
