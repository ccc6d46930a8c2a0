# syntax=docker/dockerfile:1
# Fleetgate: one image for `fleetgate gateway`, `fleetgate scaler` and `fleetgate executor`, running
# compiled JavaScript with node alone (no TypeScript, no tsx at run time). The first stage installs
# every dependency, compiles (`npm run build` → dist/) and prunes the dev dependencies; the second
# copies the result into a clean base and runs it as an unprivileged user.
#
#   docker build -t fleetgate:local .
#   docker run --rm -e OPR_PROXY_SECRET=s -e OPR_PROXY_EXECUTOR_SECRET=e \
#     -e OPR_PROXY_EXECUTORS=executor:80 -e PORT=8080 -e HEALTHCHECK_URL=http://127.0.0.1:8080/healthz \
#     -p 8080:8080 fleetgate:local gateway
#
# NODE_IMAGE is the base of both stages: the public Node image by default; any image with node and
# npm on PATH works (the tests build from a locally made one: no registry there). The gateway listens
# on PORT (80 by default, as open-runtimes/proxy); as the non-root user that needs Docker >= 20.10
# (unprivileged ports from 0 in containers) or a port >= 1024 as above.

ARG NODE_IMAGE=node:20.18.1-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: nothing the build or the run needs has one.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs ./scripts/
COPY cli ./cli
COPY config ./config
COPY executor ./executor
COPY gateway ./gateway
COPY lib ./lib
COPY load ./load
COPY metrics ./metrics
COPY registry ./registry
COPY scaler ./scaler
RUN npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    # What the HEALTHCHECK probes; set it per process (gateway /healthz on its port, scaler
    # http://127.0.0.1:9091/healthz, executor http://127.0.0.1:9900/v1/health).
    HEALTHCHECK_URL=http://127.0.0.1:80/healthz
WORKDIR /app
# Owned by root, read-only to the process: it cannot rewrite its own code.
COPY package.json ./
COPY bin ./bin
COPY examples ./examples
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The `node` user of the official image (uid 1000), by number so any base works.
USER 1000:1000
# Gateway (PORT / gateway.port; 80 by default as open-runtimes/proxy), scaler, local executor.
EXPOSE 80 9091 9900
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.HEALTHCHECK_URL).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains: stop accepting, finish in-flight work up to the shutdown deadline, exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/cli/entry.js"]
CMD ["gateway"]
