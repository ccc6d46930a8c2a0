/** What a runtime is started from: the create/execute request's runtime fields, validated. */
export interface RuntimeSpec {
  id: string;
  image: string;
  /** A folder or `.tar.gz` path (already checked against the allowed root), or "" for none. */
  source: string;
  entrypoint: string;
  /** Caller's environment variables, names already checked (executor/variables.ts). */
  variables: Record<string, string>;
  /** The cold start's deadline: past it the start fails and its process is killed. */
  startTimeoutMs: number;
  cpus: number;
  memoryMb: number;
  version: string;
  runtimeEntrypoint: string;
  /** The per-runtime secret the executor sends as `x-open-runtimes-secret`. */
  key: string;
  /** The runtime's own host name (random hex, as the real executor gives each container). */
  hostname: string;
  /** Set on a build's runtime (executor/build/): not counted as a cold start. */
  build?: true;
}

/** One execution forwarded to a runtime. */
export interface ExecutionRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  timeoutMs: number;
  logging: boolean;
}

/** What a runtime answered; `headers` keeps repeated headers as arrays. */
export interface ExecutionResult {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
  logs: string;
  errors: string;
}

/** A started runtime. */
export interface RuntimeInstance {
  /** The OS process id; undefined for simulated runtimes. */
  readonly pid: number | undefined;
  /** Memory accounted to this runtime (MB). */
  readonly memoryMb: number;
  execute(request: ExecutionRequest): Promise<ExecutionResult>;
  /** Stops the runtime; resolves once it is gone (idempotent). */
  stop(): Promise<void>;
  /** Called once if the runtime dies on its own (process exit). */
  onExit(listener: (reason: string) => void): void;
}

/** Context a backend gets for one start. */
export interface StartContext {
  /** Aborted when the start must give up (shutdown, delete while starting). */
  signal: AbortSignal;
  /** Appends one line to the runtime's log (create output and the logs stream). */
  log(line: string): void;
}

/** Starts runtimes: child processes (`process`), containers (`docker`) or in-process models (`simulated`). */
export interface RuntimeBackend {
  readonly mode: 'process' | 'docker' | 'simulated';
  start(spec: RuntimeSpec, context: StartContext): Promise<RuntimeInstance>;
}
