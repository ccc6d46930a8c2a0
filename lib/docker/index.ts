export {
  createDockerClient,
  DEFAULT_DOCKER_SOCKET,
  DockerClient,
  type DockerClientOptions,
} from './client.ts';
export type { BindMount, ContainerLimits, ContainerSpec, PublishedPort } from './container-spec.ts';
export { createBody, labelFilters } from './container-spec.ts';
export type { LogsOptions } from './containers.ts';
export { ContainerApi } from './containers.ts';
export { demuxLogs, LogDemuxer } from './demux.ts';
export { type EngineOperation, engineError, transportError } from './error-map.ts';
export { DockerError, type DockerErrorKind, isDockerError } from './errors.ts';
export { type BuildOptions, ImageApi, splitReference } from './images.ts';
export { NetworkApi } from './networks.ts';
export { type ServiceBody, type ServiceInfo, SwarmApi, type TaskInfo } from './swarm.ts';
export { ENGINE_API_VERSION } from './transport.ts';
export type * from './types.ts';
