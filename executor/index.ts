export { createExecutor, EXECUTOR_VERSION, type Executor, type ExecutorDeps } from './app.ts';
export type { RuntimeBackend, RuntimeInstance, RuntimeSpec } from './backend.ts';
export { parseDistribution } from './distribution.ts';
export { ExecutorError, type ExecutorErrorType } from './errors.ts';
export {
  DEFAULT_RUNTIME_COMMANDS,
  type ExecutorInput,
  type ExecutorMode,
  type ExecutorOptions,
  NODE_RUNTIME_SERVER,
  resolveExecutorOptions,
} from './options.ts';
export { createProcessBackend } from './process-backend.ts';
export { type RunningExecutor, type StartExecutorDeps, startExecutor } from './server.ts';
export { createSimulatedBackend, SIM_DURATION_HEADER, SIM_STATUS_HEADER } from './simulated-backend.ts';
