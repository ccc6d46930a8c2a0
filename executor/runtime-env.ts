/**
 * The part of the executor's environment every runtime inherits: `PATH`, `HOME`, and the names
 * configured in `executor.runtimeEnv` (`NAME`, or `PREFIX*` for every variable starting with it).
 * Fleetgate's and Open Runtimes' own settings (`FLEETGATE_*`, `OPR_*`: secrets among them) never
 * pass, whatever the list says. Pure: the environment is passed in.
 */
export function pickEnvironment(env: NodeJS.ProcessEnv, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const wanted = ['PATH', 'HOME', ...names];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || name.startsWith('FLEETGATE_') || name.startsWith('OPR_')) continue;
    const match = wanted.some((w) => (w.endsWith('*') ? name.startsWith(w.slice(0, -1)) : name === w));
    if (match) out[name] = value;
  }
  return out;
}

/**
 * The Open Runtimes variables the executor sets for one runtime (the real executor's set), which
 * win over the caller's `variables` and the inherited environment.
 */
export function openRuntimesEnvironment(spec: {
  key: string;
  entrypoint: string;
  hostname: string;
  cpus: number;
  memoryMb: number;
}): Record<string, string> {
  return {
    OPEN_RUNTIMES_SECRET: spec.key,
    OPEN_RUNTIMES_ENTRYPOINT: spec.entrypoint,
    OPEN_RUNTIMES_HOSTNAME: spec.hostname,
    OPEN_RUNTIMES_CPUS: String(spec.cpus),
    OPEN_RUNTIMES_MEMORY: String(spec.memoryMb),
    OPEN_RUNTIMES_ENV: 'production',
    OPEN_RUNTIMES_HEADERS: '{}',
    CI: 'true',
  };
}
