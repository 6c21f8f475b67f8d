#!/usr/bin/env python3
"""Training groups: for each sampled training package, a query (its synopsis or a keyword query
drawn from it), the positive passage (its description) and BM25 hard negatives from the training
corpus (top-ranked other passages); the same for every training section of docs.jsonl
(build_docs.py: manual pages, info and HTML manuals) and each of its queries. One BM25 index
holds both kinds of passage.

Output: groups.jsonl with {"query", "positive": name, "negatives": [name, ...]}, a name being a
package or a section id; deterministic.
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(__file__))
from bm25 import BM25  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "data"))
    parser.add_argument("--packages", type=int, default=8000, help="training packages to sample")
    parser.add_argument("--docs", action=argparse.BooleanOptionalAction, default=True, help="also the documentation sections of docs.jsonl (--no-docs: packages only, the shipped recipe)")
    parser.add_argument("--negatives", type=int, default=7, help="hard negatives kept per query")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    packages = [json.loads(line) for line in open(os.path.join(args.data, "train.jsonl"))]
    docs_path = os.path.join(args.data, "docs.jsonl")
    docs = [r for r in (json.loads(line) for line in open(docs_path)) if r["split"] == "train"] if args.docs and os.path.exists(docs_path) else []
    # one list of passages: packages first, then sections; a "title" tells near-duplicates apart
    train = [{"name": r["package"], "text": r["description"], "queries": [r["synopsis"], r["keywords"]], "title": r["synopsis"]} for r in packages]
    train += [{"name": r["id"], "text": r["text"], "queries": r["queries"], "title": r["id"]} for r in docs]
    index = BM25([r["text"] for r in train])
    names = [r["name"] for r in train]
    sample = rng.sample(range(len(packages)), min(args.packages, len(packages))) + list(range(len(packages), len(train)))
    written = 0
    with open(os.path.join(args.data, "groups.jsonl"), "w") as out:
        for n, i in enumerate(sample):
            record = train[i]
            for query in record["queries"]:
                if not query:
                    continue
                hits = [j for j, _ in index.search(query, 30) if j != i and train[j]["title"] != record["title"]]
                # skip the very top hits now and then: the best BM25 hits are sometimes true positives (near-duplicates)
                pool = hits[1:] if len(hits) > args.negatives + 1 else hits
                negatives = pool[: args.negatives]
                while len(negatives) < args.negatives:  # pad with random ones for rare queries
                    j = rng.randrange(len(train))
                    if j != i:
                        negatives.append(j)
                out.write(json.dumps({"query": query, "positive": names[i], "negatives": [names[j] for j in negatives]}) + "\n")
                written += 1
            if n % 2000 == 0:
                print(f"{n}/{len(sample)} passages", file=sys.stderr)
    print(json.dumps({"groups": written}))


if __name__ == "__main__":
    main()
