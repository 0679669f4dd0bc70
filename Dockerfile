# syntax=docker/dockerfile:1
#
# The quoting service as a container: `docker build -t mm-quoting-service .`,
# or the whole stack with Prometheus, Alertmanager and Grafana: `API_TOKENS=… docker compose up --build`.
#
# Base image: Node 24 LTS on Debian bookworm, slim variant: the same major
# version as package.json's engines, the `node` dev dependency that runs the
# tests and CI (see README, "Which Node runs"). Node 24 is in active LTS,
# maintained until 2028-04-30. Pin a digest
# (node:24-bookworm-slim@sha256:…) for reproducible builds.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: dev dependencies + tsc → dist/src/server.js, esbuild → dist/ui ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# the quote board (/ui/, off by default here: HOST=0.0.0.0 is not loopback; UI=true turns it on)
COPY ui ./ui
COPY scripts/build-browser.ts ./scripts/
RUN npm run build

# ---- runtime: production dependencies and the compiled JavaScript only -------
FROM ${NODE_IMAGE} AS runtime
# the service binds 127.0.0.1 by default, which is unreachable from outside a container
# and, with no API_TOKENS set, the service refuses to listen beyond loopback: give it tokens (compose does)
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    LEDGER_PATH=/app/data/quoting.db \
    JOURNAL_PATH=/app/data/journal.jsonl
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# the code stays root-owned and read-only to the process; it writes only its ledger, in /app/data
# (quoting.db with its -wal and -shm files; a journal.jsonl of an earlier image there is imported once)
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME /app/data
USER node
EXPOSE 8080
# No curl in slim images: Node's own fetch. /readyz answers 503 once shutdown has begun.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node runs as PID 1, with no tini and no npm in between (npm would not pass
# signals on). The kernel gives PID 1 no default signal actions: a PID 1
# without a handler ignores SIGTERM and `docker stop` ends in SIGKILL after
# the grace period. src/server.ts installs SIGTERM and SIGINT handlers, so
# the server stops accepting, closes WebSockets with 1001, flushes its log
# and exits 0 (test/ops/container.test.ts checks this with the server as PID 1
# of its own PID namespace). The process starts no children, so no zombies
# need reaping; `docker run --init` / compose `init: true` would add tini
# if that changes.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/server.js"]
