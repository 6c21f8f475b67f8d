#!/usr/bin/env python3
"""Training groups: for each sampled training package, a query (its synopsis or a keyword query
drawn from it), the positive passage (its description) and BM25 hard negatives from the training
corpus (top-ranked descriptions of other packages).

Output: groups.jsonl with {"query", "positive": package, "negatives": [package, ...]}; deterministic.
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
    parser.add_argument("--packages", type=int, default=16000, help="training packages to sample")
    parser.add_argument("--negatives", type=int, default=7, help="hard negatives kept per query")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    train = [json.loads(line) for line in open(os.path.join(args.data, "train.jsonl"))]
    index = BM25([r["description"] for r in train])
    names = [r["package"] for r in train]
    sample = rng.sample(range(len(train)), min(args.packages, len(train)))
    written = 0
    with open(os.path.join(args.data, "groups.jsonl"), "w") as out:
        for n, i in enumerate(sample):
            record = train[i]
            for query in (record["synopsis"], record["keywords"]):
                if not query:
                    continue
                hits = [j for j, _ in index.search(query, 30) if j != i and train[j]["synopsis"] != record["synopsis"]]
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
                print(f"{n}/{len(sample)} packages", file=sys.stderr)
    print(json.dumps({"groups": written}))


if __name__ == "__main__":
    main()
