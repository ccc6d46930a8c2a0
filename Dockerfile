# syntax=docker/dockerfile:1
# Fleetgate: one image for `fleetgate gateway`, `fleetgate scaler` and `fleetgate executor`.
# Fleetgate runs its TypeScript sources through tsx (a runtime dependency), so there is no compile
# step: the first stage installs the production dependencies, the second copies them and the sources
# into a slim image that runs as the unprivileged `node` user.
#
#   docker build -t fleetgate:local .
#   docker run --rm -e OPR_PROXY_SECRET=s -e OPR_PROXY_EXECUTOR_SECRET=e \
#     -e OPR_PROXY_EXECUTORS=executor:80 -e PORT=8080 -e HEALTHCHECK_URL=http://127.0.0.1:8080/healthz \
#     -p 8080:8080 fleetgate:local gateway
#
# The gateway listens on PORT (80 by default, as open-runtimes/proxy); as the non-root user that
# needs Docker >= 20.10 (unprivileged ports from 0 in containers) or a port >= 1024 as above.

ARG NODE_VERSION=20.18.1

FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    # What the HEALTHCHECK probes; set it per process (gateway /healthz on its port, scaler
    # http://127.0.0.1:9091/healthz, executor http://127.0.0.1:9900/v1/health).
    HEALTHCHECK_URL=http://127.0.0.1:80/healthz
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json ./
COPY --chown=node:node bin ./bin
COPY --chown=node:node cli ./cli
COPY --chown=node:node config ./config
COPY --chown=node:node executor ./executor
COPY --chown=node:node gateway ./gateway
COPY --chown=node:node lib ./lib
COPY --chown=node:node load ./load
COPY --chown=node:node metrics ./metrics
COPY --chown=node:node registry ./registry
COPY --chown=node:node scaler ./scaler
COPY --chown=node:node examples ./examples
USER node
# Gateway (PORT / gateway.port; 80 by default as open-runtimes/proxy), scaler, local executor.
EXPOSE 80 9091 9900
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.HEALTHCHECK_URL).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains: stop accepting, finish in-flight work up to the shutdown deadline, exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/fleetgate.js"]
CMD ["gateway"]
