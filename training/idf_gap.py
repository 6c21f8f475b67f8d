#!/usr/bin/env python3
"""How much of BM25's nDCG@10 on a held-out set comes from knowing that set: BM25 (bm25.py) over
the whole collection with the collection's own IDF, against the same BM25 with IDF taken from the
training passages instead (the training packages' descriptions and documentation sections). A reranker sees one (query, document) pair at a time, so the second is
the most any exact-match evidence inside it can know; the gap between the two is what the model
must make up by understanding text before it can tie BM25 alone. Also with each document cut to
its first N terms, as a model with a short window sees it.

  /usr/bin/python3 training/idf_gap.py faq postgresql      # needs training/data (reproduce.sh)
"""
import argparse
import json
import math
import os
import sys
from collections import Counter

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from bm25 import analyze  # noqa: E402
from compare_runs import ndcg_at_10, read_qrels  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def load_set(name):
    root = os.path.join(HERE, "heldout", name)
    docs = read_jsonl(os.path.join(root, "corpus.jsonl"))
    queries = read_jsonl(os.path.join(root, "queries.jsonl"))
    return docs, queries, read_qrels(os.path.join(root, "qrels", "test.tsv"))


def idf(df, n):
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def evaluate(name, training_df, training_n, cut, k1=0.9, b=0.4):
    docs, queries, qrels = load_set(name)
    terms = [analyze(f"{d.get('title', '')} {d['text']}")[:cut] for d in docs]
    counts = [Counter(t) for t in terms]
    lengths = np.array([len(t) for t in terms], dtype=np.float64)
    norm = k1 * (1 - b + b * lengths / lengths.mean())
    collection_df = Counter(term for c in counts for term in c)
    sources = {"collection": (collection_df, len(docs)), "training": (training_df, training_n)}
    totals = dict.fromkeys(sources, 0.0)
    judged = [q for q in queries if q["_id"] in qrels]
    for q in judged:
        scores = {source: np.zeros(len(docs)) for source in sources}
        for term in set(analyze(q["text"])):
            # the saturated, length-normalised count is the same under either IDF
            tf = np.array([c.get(term, 0) for c in counts], dtype=np.float64)
            saturated = tf * (k1 + 1) / (tf + norm)
            for source, (df, n) in sources.items():
                scores[source] += idf(df[term], n) * saturated
        for source, ranking in scores.items():
            order = sorted(range(len(docs)), key=lambda i: (-ranking[i], i))
            totals[source] += ndcg_at_10([docs[i]["_id"] for i in order], qrels[q["_id"]])
    return {source: round(total / len(judged), 4) for source, total in totals.items()}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sets", nargs="+", help="held-out sets under training/heldout")
    p.add_argument("--data", default=os.path.join(HERE, "data"))
    p.add_argument("--cuts", default="0,100,60", help="terms kept per document, 0 for all")
    args = p.parse_args()
    passages = [r["description"] for r in read_jsonl(os.path.join(args.data, "train.jsonl"))]
    passages += [r["text"] for r in read_jsonl(os.path.join(args.data, "docs.jsonl")) if r["split"] == "train"]
    training_df = Counter(term for text in passages for term in set(analyze(text)))
    for name in args.sets:
        for cut in (int(c) for c in args.cuts.split(",")):
            result = evaluate(name, training_df, len(passages), cut or None)
            print(json.dumps({"set": name, "terms_per_document": cut or "all", "ndcg@10 collection idf": result["collection"], "ndcg@10 training idf": result["training"]}))


if __name__ == "__main__":
    main()
