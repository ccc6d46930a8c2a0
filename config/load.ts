import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { displayValue, isSecretPath } from '../lib/redact.ts';
import { type EnvOverride, readEnvOverrides } from './env.ts';
import { ConfigError, type ConfigIssue } from './errors.ts';
import { type DeepReadonly, deepFreeze } from './freeze.ts';
import { configSchema, type ResolvedConfig } from './schema/index.ts';
import { suggestKey } from './suggest.ts';
import { parseYamlSource, type YamlSource } from './yaml-source.ts';

/** The validated, deep-frozen configuration every process reads. */
export type FleetgateConfig = DeepReadonly<ResolvedConfig>;

/** Inputs of `parseConfig`: the YAML text (if any) and the environment. */
export interface ParseConfigOptions {
  /** YAML text of the config file; omitted means defaults and environment only. */
  text?: string;
  /** Name used in messages (`fleetgate.yaml:3:7`) and base for relative paths in the file. */
  fileName?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Base for relative paths that come from the environment (default: process.cwd()). */
  cwd?: string;
}

function setPath(target: Record<string, unknown>, path: readonly PropertyKey[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (const segment of path.slice(0, -1)) {
    const key = String(segment);
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[String(path[path.length - 1])] = value;
}

/** Drops `key:` and `key: ~` entries so an empty value means "the default", as YAML users expect. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}

function getPath(value: unknown, path: readonly PropertyKey[]): unknown {
  let node = value;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  return node;
}

const dotted = (path: readonly PropertyKey[]) => (path.length === 0 ? '(root)' : path.map(String).join('.'));

/** What YAML users call zod's types. */
const YAML_NAMES: Record<string, string> = { object: 'mapping', array: 'list' };

const article = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);

/** Plain-language messages for zod's built-in issues; schema-specific messages take precedence. */
function errorMap(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? 'is required'
        : `must be ${article(YAML_NAMES[issue.expected] ?? issue.expected)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      if (issue.origin === 'array') return `must have at least ${issue.minimum} entries`;
      if (issue.origin === 'string') return 'must not be empty';
      return `must be ${issue.inclusive ? '≥' : '>'} ${issue.minimum}`;
    case 'too_big':
      return `must be ${issue.inclusive ? '≤' : '<'} ${issue.maximum}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    default:
      return undefined;
  }
}

function sourceOf(
  path: readonly PropertyKey[],
  envSources: ReadonlyMap<string, string>,
  yaml: YamlSource | undefined,
  fileName: string,
  key = false,
): string | undefined {
  for (let n = path.length; n > 0; n--) {
    const env = envSources.get(dotted(path.slice(0, n)));
    if (env) return `from ${env}`;
  }
  const position = yaml?.locate(path, { key });
  return position ? `${fileName}:${position}` : undefined;
}

function toIssues(
  error: z.ZodError,
  raw: unknown,
  envSources: ReadonlyMap<string, string>,
  yaml: YamlSource | undefined,
  fileName: string,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        const suggestion = suggestKey(issue.path, key);
        issues.push({
          path: dotted(path),
          message: suggestion ? `unknown key (did you mean ${suggestion}?)` : 'unknown key',
          source: sourceOf(path, envSources, yaml, fileName, true),
        });
      }
      continue;
    }
    const value = getPath(raw, issue.path);
    let message = issue.message;
    if (value !== undefined && !/, got /.test(message)) {
      message += isSecretPath(issue.path) ? ' (value hidden)' : `, got ${displayValue(issue.path, value)}`;
    }
    issues.push({
      path: dotted(issue.path),
      message,
      source: sourceOf(issue.path, envSources, yaml, fileName),
    });
  }
  // Report in file order (values from the environment, and issues without a place, last).
  const order = (issue: ConfigIssue) => {
    const match = /:(\d+):(\d+)$/.exec(issue.source ?? '');
    return match ? Number(match[1]) * 1e6 + Number(match[2]) : Number.MAX_SAFE_INTEGER;
  };
  return issues.sort((a, b) => order(a) - order(b));
}

function applyOverrides(
  raw: Record<string, unknown>,
  overrides: readonly EnvOverride[],
): Map<string, string> {
  const sources = new Map<string, string>();
  for (const override of overrides) {
    setPath(raw, override.path, override.value);
    sources.set(dotted(override.path), override.env);
  }
  return sources;
}

/**
 * Builds the configuration from YAML text and the environment: file, then environment overrides,
 * then defaults; validates it and returns it deep-frozen. Pure apart from reading `process.cwd()`
 * when `cwd` is not given. Throws `ConfigError` listing every problem with its path, value and
 * `file:line:column` (or the environment variable it came from).
 */
export function parseConfig(options: ParseConfigOptions = {}): FleetgateConfig {
  const fileName = options.fileName ?? 'config';
  let yaml: YamlSource | undefined;
  let raw: Record<string, unknown> = {};
  if (options.text !== undefined) {
    const parsed = parseYamlSource(options.text);
    if ('errors' in parsed) {
      throw new ConfigError(
        parsed.errors.map((e) => ({
          path: '(yaml)',
          message: e.message,
          source: e.position ? `${fileName}:${e.position}` : fileName,
        })),
        { heading: `invalid YAML in ${fileName}:` },
      );
    }
    yaml = parsed;
    if (parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
      throw new ConfigError([
        {
          path: '(root)',
          message: `must be a mapping of sections (pool, log, registry, gateway, scaler, executor), got ${displayValue([], parsed.value)}`,
          source: `${fileName}:${parsed.locate([]) ?? '1:1'}`,
        },
      ]);
    }
    raw = withoutNulls(parsed.value) as Record<string, unknown>;
  }
  const env = readEnvOverrides(options.env ?? {});
  const envSources = applyOverrides(raw, env.overrides);
  const envIssues: ConfigIssue[] = env.issues.map((i) => ({
    path: dotted(i.path),
    message: i.message,
    source: `from ${i.env}`,
  }));
  const result = configSchema.safeParse(raw, { error: errorMap });
  const issues = [
    ...envIssues,
    ...(result.success ? [] : toIssues(result.error, raw, envSources, yaml, fileName)),
  ];
  if (issues.length > 0 || !result.success) throw new ConfigError(issues);

  const config = result.data;
  // A relative path in the file is relative to the file; one from the environment, to the cwd.
  const resolvePath = (path: string, field: string): string => {
    if (isAbsolute(path)) return path;
    const fromEnv = envSources.has(field);
    const base = !fromEnv && options.fileName ? dirname(options.fileName) : (options.cwd ?? process.cwd());
    return resolve(options.cwd ?? process.cwd(), base, path);
  };
  if (config.scaler.policyFile !== undefined)
    config.scaler.policyFile = resolvePath(config.scaler.policyFile, 'scaler.policyFile');
  if (config.registry.tlsCaFile !== undefined)
    config.registry.tlsCaFile = resolvePath(config.registry.tlsCaFile, 'registry.tlsCaFile');
  if (config.executor.sourceRoot !== undefined)
    config.executor.sourceRoot = resolvePath(config.executor.sourceRoot, 'executor.sourceRoot');
  if (config.executor.workDir !== undefined)
    config.executor.workDir = resolvePath(config.executor.workDir, 'executor.workDir');
  if (config.executor.buildCacheDir !== undefined)
    config.executor.buildCacheDir = resolvePath(config.executor.buildCacheDir, 'executor.buildCacheDir');
  return deepFreeze(config);
}

/** Where `loadConfig` reads from. */
export interface LoadConfigOptions {
  /** Path of the YAML file; when omitted, `FLEETGATE_CONFIG` from `env`; when both are absent, none. */
  file?: string;
  env: Readonly<Record<string, string | undefined>>;
  cwd?: string;
}

/** Reads the YAML config file (if any) and returns `parseConfig`'s result; unreadable files are a ConfigError. */
export async function loadConfig(options: LoadConfigOptions): Promise<FleetgateConfig> {
  const file = options.file ?? (options.env.FLEETGATE_CONFIG || undefined);
  const cwd = options.cwd ?? process.cwd();
  if (file === undefined) return parseConfig({ env: options.env, cwd });
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
    throw new ConfigError(
      [{ path: '(file)', message: `cannot read ${file}: ${reason}`, source: undefined }],
      { code: 'CONFIG_UNREADABLE', heading: 'cannot read the configuration file:', cause: error },
    );
  }
  return parseConfig({ text, fileName: file, env: options.env, cwd });
}
