/** What `inspect` tells about a container (the fields Fleetgate reads, renamed). */
export interface ContainerInfo {
  id: string;
  /** Without the engine's leading slash. */
  name: string;
  image: string;
  labels: Record<string, string>;
  state: ContainerState;
  /** Address per attached network (empty for host networking). */
  networks: Record<string, { ipAddress: string }>;
  /** Published ports: `"3000/tcp"` → host bindings. */
  ports: Record<string, { hostIp: string; hostPort: number }[]>;
  /** `HostConfig.NetworkMode`. */
  networkMode: string;
  /** The limits the engine enforces (0 = none), in the words of ContainerLimits. */
  limits: { memoryBytes: number; cpus: number; pids: number };
}

/** A container's state. */
export interface ContainerState {
  /** `created`, `running`, `paused`, `restarting`, `removing`, `exited`, `dead`. */
  status: string;
  running: boolean;
  exitCode: number;
  /** True when the kernel's OOM killer ended the container's main process. */
  oomKilled: boolean;
  pid: number;
  /** The engine's error for a failed start, else "". */
  error: string;
  startedAt: string;
  finishedAt: string;
}

/** One row of `list`. */
export interface ContainerSummary {
  id: string;
  /** Without the leading slash. */
  names: string[];
  image: string;
  /** `created`, `running`, `exited`, … */
  state: string;
  labels: Record<string, string>;
  /** Unix seconds. */
  created: number;
}

/** What `inspect` tells about an image. */
export interface ImageInfo {
  id: string;
  repoTags: string[];
  labels: Record<string, string>;
  /** Bytes. */
  size: number;
  created: string;
}

/** A network summary. */
export interface NetworkInfo {
  id: string;
  name: string;
  driver: string;
  labels: Record<string, string>;
}

/** An engine event (`GET /events`), the fields Fleetgate reads. */
export interface EngineEvent {
  /** `container`, `image`, `network`, … */
  type: string;
  /** `create`, `start`, `die`, `oom`, `destroy`, … */
  action: string;
  id: string;
  attributes: Record<string, string>;
  /** Unix nanoseconds. */
  timeNano: number;
}

/** What `version` tells about the engine. */
export interface EngineVersion {
  version: string;
  apiVersion: string;
  minApiVersion: string;
  os: string;
  arch: string;
  kernelVersion: string;
}
