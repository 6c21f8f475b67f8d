#!/usr/bin/env python3
"""Chooses the first-stage weight for a trained run on the dev split: BM25's top 100 for the first
--queries dev synopses and for every dev documentation section's question, reranked by the model's score mixed with BM25's (each standardised over the query's
candidates, as crossrank's pipeline does: model + weight * bm25), for a grid of weights. Prints the
dev MRR@10 of each and, last, the weight best on the average of the two alone (what reproduce.sh hands to the export).

  /usr/bin/python3 training/choose_weight.py --run training/runs/starter
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from bm25 import BM25  # noqa: E402
from model import CrossEncoder, collate  # noqa: E402

WEIGHTS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5, 2.0]


def standardize(x):
    return (x - x.mean()) / (x.std() + 1e-9)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--run", default=os.path.join(os.path.dirname(__file__), "runs", "starter"))
    p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "data"))
    p.add_argument("--depth", type=int, default=100)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--queries", type=int, default=400, help="dev packages to use (all dev sections are used)")
    p.add_argument("--docs", action=argparse.BooleanOptionalAction, default=True, help="also the dev documentation sections (--no-docs with --queries 1109: the first starter's recipe)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    encoded = json.load(open(os.path.join(args.data, "encoded.json")))
    manifest = json.load(open(os.path.join(args.run, "weights.json")))
    spec = manifest.get("torch_spec", manifest["spec"])  # model.pt holds the unfolded (factorised) weights
    model = CrossEncoder(**spec)
    model.load_state_dict(torch.load(os.path.join(args.run, "model.pt")))
    model.eval()
    results = {name: dev_mrr_by_weight(model, spec, encoded, passages, queries, args.depth) for name, (passages, queries) in dev_sets(args.data, args.queries, args.docs).items()}
    print(json.dumps(results), file=sys.stderr)
    print(best_weight([r["mrr10_by_weight"] for r in results.values()]))


def dev_sets(data, packages, docs=True):
    """{kind: ([(query, passage name, passage text)], how many of its queries to rank)}: the first
    `packages` dev synopses and, with docs, every dev documentation section's question."""
    sets = {"packages": ([(r["synopsis"], r["package"], r["description"]) for r in map(json.loads, open(os.path.join(data, "dev.jsonl")))], packages)}
    docs_path = os.path.join(data, "docs.jsonl")
    if docs and os.path.exists(docs_path):
        sections = [(r["queries"][1] if r["source"] == "man" else r["queries"][0], r["id"], r["text"]) for r in map(json.loads, open(docs_path)) if r["split"] == "dev"]
        sets["docs"] = (sections, len(sections))
    return sets


def best_weight(mrr10_by_weight):
    """The weight best on average over the kinds of text: mrr10_by_weight is one {str(weight): MRR@10} per kind."""
    return max(WEIGHTS, key=lambda w: sum(r[str(w)] for r in mrr10_by_weight))


def dev_mrr_by_weight(model, spec, encoded, dev, queries, depth):
    """dev: (query, passage name, passage text); BM25 over all the passages, its top `depth`
    reranked for the first `queries` queries."""
    index = BM25([text for _, _, text in dev])
    mrr = {w: 0.0 for w in WEIGHTS}
    mrr_bm25 = 0.0
    with torch.no_grad():
        for i, (query, _, _) in enumerate(dev[:queries]):
            hits = index.search(query, depth)
            ids = [j for j, _ in hits]
            if i in ids[:10]:
                mrr_bm25 += 1 / (ids.index(i) + 1)
            if i not in ids:
                continue
            q = encoded["queries"][query]
            pairs = [(q, encoded["passages"][dev[j][1]]) for j in ids]
            scores = np.concatenate([model(*collate(pairs[k : k + 64], spec.get("max_length", spec["max_positions"]))).numpy() for k in range(0, len(pairs), 64)])
            model_z, bm25_z = standardize(scores), standardize(np.array([s for _, s in hits]))
            for w in WEIGHTS:
                order = [ids[k] for k in np.argsort(-(model_z + w * bm25_z), kind="stable")]
                if i in order[:10]:
                    mrr[w] += 1 / (order.index(i) + 1)
    n = min(queries, len(dev))
    return {"dev_queries": n, "bm25_mrr10": round(mrr_bm25 / n, 4), "mrr10_by_weight": {str(w): round(v / n, 4) for w, v in mrr.items()}}


if __name__ == "__main__":
    main()
