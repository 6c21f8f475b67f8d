#!/usr/bin/env bash
# Evaluates the shipped starter model on held-out sets that training never saw: BM25 top 100 alone,
# reranked by the starter, and reranked by a random-weight model of the same shape (the floor).
# In-domain: held-out Debian packages, synopsis queries and 2-4 keyword queries. Unseen kinds:
# faq (real question-and-answer documentation: each question against all the answers) and
# postgresql (the PostgreSQL manual, a source left out of training: section heading -> its text).
# Needs only `npm ci`.
#
#   npm run starter:eval            # or: bash training/evaluate.sh [extra crossrank eval flags]
#   SETS="faq postgresql" MODELS=crossrank/starter-en bash training/evaluate.sh   # a subset
#
# Each reranker is also evaluated mixed with BM25 (--first-stage-weight: by default the starter's
# own, chosen on the dev split and kept in its config.json; WEIGHT=... to change it). Writes
# training/eval/<queries>-<model>/ (metrics.json, runs/*.trec, report.html) and prints each
# summary: the metrics, and per query how often reranking beat BM25 on nDCG@10, with a sign test.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsx scripts/make-test-models.ts --only starter-floor >/dev/null
weight=${WEIGHT:-$(node -p 'require("./assets/models/crossrank-starter-en/config.json").crossrank.first_stage_weight')}
for queries in ${SETS:-synopsis keywords faq postgresql}; do
  for model in ${MODELS:-crossrank/starter-en models/starter-floor}; do
    name=$queries-$(basename "$model")
    echo "== $name"
    node dist/cli/main.js eval --dataset "training/heldout/$queries" --model "$model" --candidates 100 \
      --first-stage-weight "$weight" --out "training/eval/$name" "$@"
  done
done
