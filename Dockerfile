# syntax=docker/dockerfile:1
# One image for every Beacon role: `serve` (default), `auth-server`, `call`, `doctor`, `healthcheck`.
ARG NODE_IMAGE=docker.io/library/node:24-bookworm-slim

# Dependencies first, so a source change does not reinstall them (layer cache).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="Beacon" \
      org.opencontainers.image.description="Production MCP service that streams a live notification for every item a tool works through" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim"
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    METRICS_HOST=0.0.0.0 \
    METRICS_PORT=9464 \
    DATA_DIR=/app/data
WORKDIR /app
# Owned by root and not writable by the `node` user: the app cannot modify itself.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY data ./data
# The one writable place, for the development authorization server's signing keys (a volume).
RUN install -d -o node -g node -m 0700 /var/lib/beacon
# Start-up: V8's compiled code for what `serve` loads in every mode (Redis, HTTP+SSE and OAuth load
# on demand, hence the list). Made as `node`, since Node keys the cache by user id, then handed to
# root: at run time it is only read, from the read-only root filesystem.
ENV NODE_COMPILE_CACHE=/app/.compile-cache
RUN install -d -o node -g node /app/.compile-cache
USER node
RUN node dist/cli.js --help >/dev/null \
 && node --input-type=module -e 'for (const m of ["serve", "shared/redis/connection", "mcp/tracked-sse-transport", "auth/oauth"]) await import(`./dist/server/${m}.js`)'
USER root
RUN chown -R root:root /app/.compile-cache && chmod -R a-w,a+rX /app/.compile-cache
USER node
EXPOSE 3000 9464
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "dist/cli.js", "healthcheck"]
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["serve"]
