# Portico's control plane: `portico serve` on a folder of Gateway API / Ingress YAML.
#   docker build -t portico .
#   docker run -v "$PWD/examples:/etc/portico/resources:ro" -p 18000:18000 -p 127.0.0.1:19000:19000 portico
# docker-compose.yml builds it too. Node 24 LTS (Node 20 reached end of life in April 2026): CI runs
# the tests on this Node too (scripts/install-node.sh pins the same major), and `engines` allows it.

FROM node:24-bookworm-slim AS build
WORKDIR /app
# `re2` (RE2 itself, which validates every user regex as Envoy will) is a native addon: node-gyp
# compiles it when no prebuilt binary can be downloaded, with python3, make and g++ and the image's
# own Node headers (/usr/local/include/node) rather than a download of them.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
# The manifests first, so that editing a source file does not re-run `npm install`. npm install and
# not npm ci, as in CI (README "Tests"): the lock file cannot list every platform's optional packages.
COPY package.json package-lock.json ./
COPY packages/resources/package.json packages/resources/
COPY packages/ir/package.json packages/ir/
COPY packages/envoy/package.json packages/envoy/
COPY packages/xds-server/package.json packages/xds-server/
COPY packages/provider/package.json packages/provider/
COPY packages/translator/package.json packages/translator/
COPY packages/xds/package.json packages/xds/
COPY packages/diagnose/package.json packages/diagnose/
COPY packages/ui/package.json packages/ui/
COPY packages/server/package.json packages/server/
COPY packages/cli/package.json packages/cli/
COPY e2e/package.json e2e/
COPY bench/package.json bench/
RUN npm install --no-audit --no-fund
COPY . .
# `npm run build` bundles the dashboard (npm run build:ui: esbuild, into packages/ui/dist/web) before
# `tsc -b`; the bundle keeps no dependency at run time, so pruning the dev ones leaves it whole.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# The same image as the build stage: re2's addon is compiled for one Node ABI (NODE_MODULE_VERSION),
# the build stage's, and loads only under that Node.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# What `portico` reads at run time: the compiled packages, their node_modules (the Envoy protos come
# from @grpc/grpc-js-xds; re2's compiled addon, which needs only the libstdc++ the image has), proto/envoy-roots.txt, the CRD schemas and the root package.json (version).
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/packages packages
COPY --from=build /app/proto proto
# The examples as default resources, so that a bare `docker run` serves something; mount a folder
# over /etc/portico/resources for your own.
COPY --from=build /app/examples /etc/portico/resources
USER node
# xDS (gRPC) and the admin server (/healthz, /readyz, /metrics, /debug/*).
EXPOSE 18000 19000
ENTRYPOINT ["node", "packages/cli/bin/portico.js"]
# Inside a container both servers must listen on every interface to be reachable at all; publish the
# admin port on the host's loopback only (it serves the whole configuration under /debug).
CMD ["serve", "--resources", "/etc/portico/resources", "--xds-address", "0.0.0.0:18000", "--admin-address", "0.0.0.0:19000"]
