# syntax=docker/dockerfile:1
# The rollout worker and the `rollout` CLI in one image: TypeScript compiled to JavaScript in a build stage; the
# runtime stage holds production dependencies only, runs as the unprivileged `node` user and reports its health
# from the worker's /healthz (served on METRICS_ADDRESS).
#
#   docker build -t flag-rollout-worker .
#   docker run --rm flag-rollout-worker                      # the worker (the default command)
#   docker run --rm flag-rollout-worker rollout --help       # the CLI, on PATH
#
# glibc (Debian) rather than Alpine: the Temporal SDK's native core bridge ships linux-gnu builds only.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
# tsconfig.build.json lists the entry points (client/main.ts, worker/main.ts, the workflows the worker bundles at
# start); the stamp tells bin/rollout.js that dist/ is a complete build, so it never falls back to tsx.
RUN node_modules/.bin/tsc -p tsconfig.build.json && touch dist/.build-stamp

FROM ${NODE_IMAGE} AS runtime
# A heap limit keeps the worker's peaks near its settled size (with WORKER_MAX_CACHED_WORKFLOWS' default of 200,
# 5,000 waiting rollouts stayed under 840 MiB RSS: docs/benchmarks.md).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-old-space-size=768 \
    METRICS_ADDRESS=0.0.0.0:9464 \
    ROLLOUT_KEYS_DIR=/home/node/.config/rollout/keys
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only. The Temporal core bridge ships native libraries for five platforms: keep this one's.
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error \
 && npm cache clean --force \
 && find node_modules/@temporalio/core-bridge/releases -mindepth 1 -maxdepth 1 \
      ! -name "$(uname -m)-unknown-linux-gnu" -exec rm -rf {} + \
 && ln -s /app/bin/rollout.js /usr/local/bin/rollout \
 && mkdir -p /home/node/.config/rollout/keys \
 && chown -R node:node /home/node/.config \
 && chmod 700 /home/node/.config/rollout/keys
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY plans ./plans
# The image's `node` user, by number so that runAsNonRoot-style checks can verify it is not root.
USER 1000:1000
EXPOSE 9464
# Slim images have no curl: Node's fetch asks the worker's health server (METRICS_ADDRESS; 0.0.0.0 is asked on
# 127.0.0.1). METRICS_ADDRESS=off turns the server off, and then this check fails and says why.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const a=process.env.METRICS_ADDRESS||'127.0.0.1:9464';if(a==='off'){console.error('METRICS_ADDRESS=off: the worker serves no /healthz');process.exit(1)}const i=a.lastIndexOf(':');const h=a.slice(0,i).replace(/^(0\\.0\\.0\\.0|\\[?::\\]?)$/,'127.0.0.1');fetch('http://'+h+':'+a.slice(i+1)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>{if(!r.ok)console.error('/healthz answered '+r.status);process.exit(r.ok?0:1)},e=>{console.error('/healthz on '+a+': '+e.message);process.exit(1)})"]
# `docker run IMAGE rollout …` replaces this command; the base image's entrypoint runs whatever is on PATH.
CMD ["node", "dist/worker/main.js"]
