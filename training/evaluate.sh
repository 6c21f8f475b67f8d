#!/usr/bin/env bash
# Evaluates the shipped starter model on the held-out Debian packages that training never saw:
# BM25 top 100 alone, reranked by the starter, and reranked by a random-weight model of the same
# shape (the floor), for synopsis queries and for 2-4 keyword queries. Needs only `npm ci`.
#
#   npm run starter:eval            # or: bash training/evaluate.sh [extra crossrank eval flags]
#
# Each reranker is also evaluated mixed with BM25 (--first-stage-weight, default 1, the weight
# chosen on the dev split; WEIGHT=... to change it). Writes training/eval/<queries>-<model>/
# (metrics.json, runs/*.trec, report.html) and prints each summary: the metrics, and per query how
# often reranking beat BM25 on nDCG@10, with a sign test.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsx scripts/make-test-models.ts --only starter-floor >/dev/null
for queries in synopsis keywords; do
  for model in crossrank/starter-en models/starter-floor; do
    name=$queries-$(basename "$model")
    echo "== $name"
    node dist/cli/main.js eval --dataset "training/heldout/$queries" --model "$model" --candidates 100 \
      --first-stage-weight "${WEIGHT:-1}" --out "training/eval/$name" "$@"
  done
done
