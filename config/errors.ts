import { FleetgateError } from '../lib/errors.ts';

/** One problem in the configuration, already safe to print (secrets are never included). */
export interface ConfigIssue {
  /** Dotted field path, e.g. `gateway.healthCheck.interval` (`(root)` for the whole document). */
  path: string;
  /** What is wrong, ending with the offending value unless it is a secret. */
  message: string;
  /** Where the value came from: `fleetgate.yaml:12:5`, `from OPR_PROXY_EXECUTORS`, or undefined. */
  source: string | undefined;
}

/** Formats one issue as one line: `path: message (source)`. */
export function formatIssue(issue: ConfigIssue): string {
  return `${issue.path}: ${issue.message}${issue.source ? ` (${issue.source})` : ''}`;
}

/** The configuration is invalid; `issues` lists every problem found, not only the first. */
export class ConfigError extends FleetgateError {
  readonly issues: readonly ConfigIssue[];
  constructor(
    issues: readonly ConfigIssue[],
    options?: { cause?: unknown; code?: string; heading?: string },
  ) {
    const heading =
      options?.heading ??
      `invalid configuration (${issues.length} ${issues.length === 1 ? 'problem' : 'problems'}):`;
    super(
      options?.code ?? 'CONFIG_INVALID',
      [heading, ...issues.map((i) => `  ${formatIssue(i)}`)].join('\n'),
      {
        cause: options?.cause,
      },
    );
    this.issues = issues;
  }
}
