/** Where the Docker engine listens unless told otherwise (`DOCKER_HOST` is not read). No imports: config/schema uses it. */
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';
