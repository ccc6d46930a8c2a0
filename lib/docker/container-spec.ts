/**
 * The container Fleetgate asks for, in its own words, and its translation into the Engine API's
 * `POST /containers/create` body. Pure: no I/O.
 */

/** Resource limits the engine enforces (cgroups). */
export interface ContainerLimits {
  /** Memory limit in bytes (swap is limited to the same, so the limit is real). */
  memoryBytes?: number;
  /** CPUs as a fraction of cores, e.g. 0.5 (the engine's `NanoCpus`). */
  cpus?: number;
  /** Maximum number of processes/threads in the container. */
  pids?: number;
}

/** A host folder or file mounted into the container. */
export interface BindMount {
  source: string;
  target: string;
  readOnly?: boolean;
}

/** A container port published on the host (bridge networks only). */
export interface PublishedPort {
  container: number;
  /** Host port; 0 or absent lets the engine choose. */
  host?: number;
  /** Host address; default 127.0.0.1 (never all interfaces unless asked). */
  hostIp?: string;
}

/** What to create. */
export interface ContainerSpec {
  image: string;
  /** Container name (unique per engine); the engine makes one up when absent. */
  name?: string;
  cmd?: string[];
  entrypoint?: string[];
  env?: Record<string, string>;
  labels?: Record<string, string>;
  workingDir?: string;
  hostname?: string;
  user?: string;
  /** More groups of the container's user, names or numeric gids (e.g. the docker socket's). */
  groupAdd?: string[];
  /** `host`, `bridge`, `none` or a network's name; default the engine's (`bridge`). */
  networkMode?: string;
  /** Extra names on a user-defined network (ignored for host/bridge/none). */
  networkAliases?: string[];
  ports?: PublishedPort[];
  binds?: BindMount[];
  /** Read-only tmpfs-backed folders, e.g. `{'/tmp': 'rw,size=64m'}`. */
  tmpfs?: Record<string, string>;
  limits?: ContainerLimits;
  /** Run an init process as PID 1 (reaps zombies, forwards signals). */
  init?: boolean;
  /** Seconds `stop` waits after the stop signal before SIGKILL. */
  stopTimeoutS?: number;
  /** Restart policy name: `no` (default), `on-failure`, `always`, `unless-stopped`. */
  restart?: 'no' | 'on-failure' | 'always' | 'unless-stopped';
}

/** Builds the Engine API create body for a spec. */
export function createBody(spec: ContainerSpec): Record<string, unknown> {
  const limits = spec.limits ?? {};
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of spec.ports ?? []) {
    const key = `${p.container}/tcp`;
    exposed[key] = {};
    const list = bindings[key] ?? [];
    list.push({ HostIp: p.hostIp ?? '127.0.0.1', HostPort: p.host ? String(p.host) : '' });
    bindings[key] = list;
  }
  const hostConfig: Record<string, unknown> = {
    Binds: (spec.binds ?? []).map((b) => `${b.source}:${b.target}${b.readOnly ? ':ro' : ''}`),
    PortBindings: bindings,
    Init: spec.init ?? false,
    RestartPolicy: { Name: spec.restart ?? 'no' },
  };
  if (spec.networkMode) hostConfig.NetworkMode = spec.networkMode;
  if (spec.tmpfs) hostConfig.Tmpfs = spec.tmpfs;
  if (spec.groupAdd?.length) hostConfig.GroupAdd = spec.groupAdd;
  if (limits.memoryBytes !== undefined) {
    hostConfig.Memory = limits.memoryBytes;
    hostConfig.MemorySwap = limits.memoryBytes;
  }
  if (limits.cpus !== undefined) hostConfig.NanoCpus = Math.round(limits.cpus * 1e9);
  if (limits.pids !== undefined) hostConfig.PidsLimit = limits.pids;
  const body: Record<string, unknown> = {
    Image: spec.image,
    Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
    Labels: spec.labels ?? {},
    ExposedPorts: exposed,
    HostConfig: hostConfig,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
  };
  if (spec.cmd) body.Cmd = spec.cmd;
  if (spec.entrypoint) body.Entrypoint = spec.entrypoint;
  if (spec.workingDir) body.WorkingDir = spec.workingDir;
  if (spec.hostname) body.Hostname = spec.hostname;
  if (spec.user) body.User = spec.user;
  if (spec.stopTimeoutS !== undefined) body.StopTimeout = spec.stopTimeoutS;
  const custom = spec.networkMode && !['host', 'bridge', 'none', 'default'].includes(spec.networkMode);
  if (custom && spec.networkAliases?.length) {
    body.NetworkingConfig = {
      EndpointsConfig: { [spec.networkMode as string]: { Aliases: spec.networkAliases } },
    };
  }
  return body;
}

/** `label=key=value` filters for list calls, as the engine's `filters` JSON wants them. */
export function labelFilters(labels: Record<string, string | true>): Record<string, string[]> {
  return {
    label: Object.entries(labels).map(([k, v]) => (v === true ? k : `${k}=${v}`)),
  };
}
