#!/usr/bin/env python3
"""Compares two rankings of the same queries, query by query: the nDCG@10 of each (from TREC run
files, as `crossrank eval --out` writes them under runs/), how many queries each wins, and a
two-sided exact sign test over the queries where they differ. How the shipped starter was held
against the one before it (training/README.md, run G).

  /usr/bin/python3 training/compare_runs.py training/heldout/synopsis/qrels/test.tsv \\
      new/runs/bm25+rerank+bm25@1.trec old/runs/bm25+rerank+bm25@1.trec
"""
import argparse
import math
from collections import defaultdict


def read_qrels(path):
    qrels = defaultdict(dict)
    with open(path) as f:
        for line in f:
            query, doc, grade = line.rstrip("\n").split("\t")
            if query != "query-id":
                qrels[query][doc] = int(grade)
    return qrels


def read_run(path):
    ranked = defaultdict(list)
    with open(path) as f:
        for line in f:
            query, _, doc, rank, _score, _tag = line.split()
            ranked[query].append((int(rank), doc))
    return {query: [doc for _, doc in sorted(docs)] for query, docs in ranked.items()}


def ndcg_at_10(ranked, relevant):
    dcg = sum(relevant.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(relevant.values(), reverse=True)[:10]))
    return dcg / ideal if ideal else 0.0


def sign_test(wins, losses):
    n = wins + losses
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(wins, losses) + 1)) / 2**n
    return min(1.0, 2 * tail)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("qrels")
    p.add_argument("run_a")
    p.add_argument("run_b")
    args = p.parse_args()
    qrels, a, b = read_qrels(args.qrels), read_run(args.run_a), read_run(args.run_b)
    wins = losses = 0
    total_a = total_b = 0.0
    for query, relevant in qrels.items():
        score_a, score_b = ndcg_at_10(a.get(query, []), relevant), ndcg_at_10(b.get(query, []), relevant)
        total_a, total_b = total_a + score_a, total_b + score_b
        wins += score_a > score_b + 1e-12
        losses += score_b > score_a + 1e-12
    n = len(qrels)
    print(f"queries {n}: nDCG@10 A {total_a / n:.4f}, B {total_b / n:.4f}; A better on {wins}, worse on {losses} (sign test p = {sign_test(wins, losses):.3g})")


if __name__ == "__main__":
    main()
