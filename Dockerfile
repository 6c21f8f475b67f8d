# crossrank serve on CPU, as a non-root user, with the starter model (it ships inside the package)
# and a HEALTHCHECK on /ready. Build from the checkout:  docker build -t crossrank .
# Run:  docker run -p 8080:8080 crossrank    (or -e CROSSRANK_MODEL=<hub id> -e CROSSRANK_API_KEY=...)

# Stage 1: the package tarball, as `npm pack` makes it for the registry. No install scripts: only
# the TypeScript compile (npm pack runs `prepare`) is needed to pack.
FROM node:20-bookworm-slim AS pack
WORKDIR /src
COPY . .
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm pack --pack-destination /tmp

# Stage 2: a consumer install, the steps of docs/install.md: crossrank plus the server's optional
# peers, with onnxruntime-node's CUDA download skipped.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    ONNXRUNTIME_NODE_INSTALL=skip \
    CROSSRANK_HOST=0.0.0.0 \
    CROSSRANK_PORT=8080 \
    HF_HOME=/home/node/.cache/huggingface
WORKDIR /app
COPY --from=pack /tmp/crossrank-*.tgz /tmp/
# The override keeps fastify's light-my-request on cookie 1 (cookie 2 declares Node >= 22).
RUN echo '{ "name": "crossrank-server", "private": true, "overrides": { "cookie": "^1.1.1" } }' > package.json \
 && npm install --no-audit --no-fund /tmp/crossrank-*.tgz fastify@5 prom-client@15 \
 && rm /tmp/crossrank-*.tgz \
 && npm cache clean --force
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node_modules/.bin/crossrank", "serve"]
