# The engine's image, referred to by charts/coordination-engine (image.repository / image.tag).
# Build:  docker build -t <registry>/coordination-engine:0.1.0 .
# Two stages: the first compiles TypeScript with the dev dependencies; the second holds only the compiled code and
# the production dependencies, and runs as a numeric non-root user (the chart's runAsUser, 65532).

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the "prepare" script would compile before the sources are copied.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY mock-ml-server/src ./mock-ml-server/src
RUN npx tsc -p tsconfig.build.json

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /src/dist ./dist
# The CRDs ship beside dist/ as in the npm package (the demo command reads them from there).
COPY crds ./crds
USER 65532:65532
EXPOSE 8080 9090
# Heap flags for a process that does a burst of work every interval and idles in between (docs/scaling.md):
# - no memory reducer: it shrinks the heap after each burst only for the next one to grow it back, with full
#   collections in between;
# - a young generation that starts at 16 MB, so a cycle's short-lived objects die in it instead of being promoted;
# - the old generation may grow by half its live size before a full collection (V8's own factor, sized for a
#   busy process, came down to about 1.15 here: two full collections every cycle);
# - collection on the main thread: on 2 cores V8's helper threads cost more CPU than they took off it.
# npm run bench:engine runs the engine with these flags (bench/image-node-flags.ts).
ENTRYPOINT ["node", "--no-memory-reducer", "--min-semi-space-size=16", "--heap-growing-percent=50", "--single-threaded-gc", "/app/dist/src/cli/main.js"]
CMD ["run"]
