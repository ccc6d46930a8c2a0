export { executorUrl, parseExecutorUrl } from '../lib/executor-url.ts';
export { displayValue, isSecretPath, redactConfig } from '../lib/redact.ts';
export { type HostPort, parseHostPort } from './addresses.ts';
export { durationSchema, parseDuration, parseSize, sizeSchema } from './duration.ts';
export { ENV_MAPPINGS, type EnvMapping, readEnvOverrides } from './env.ts';
export { ConfigError, type ConfigIssue, formatIssue } from './errors.ts';
export type { DeepReadonly } from './freeze.ts';
export {
  type FleetgateConfig,
  type LoadConfigOptions,
  loadConfig,
  type ParseConfigOptions,
  parseConfig,
} from './load.ts';
export { configSchema, type FleetgateConfigInput, type ResolvedConfig } from './schema/index.ts';
