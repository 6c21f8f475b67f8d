"""A small Okapi BM25 (k1=0.9, b=0.4, Pyserini's defaults) for mining hard negatives and baselines.
Postings are numpy arrays of precomputed term weights, so a query is a few vector additions."""
import math
import re
from collections import Counter, defaultdict

import numpy as np

STOP = set("a an and are as at be by for from has have in into is it its of on or that the this to with".split())


def analyze(text):
    return [t for t in re.findall(r"[a-z0-9]+", text.lower()) if t not in STOP]


class BM25:
    def __init__(self, docs, k1=0.9, b=0.4):
        postings = defaultdict(list)
        lengths = []
        for i, text in enumerate(docs):
            tf = Counter(analyze(text))
            lengths.append(sum(tf.values()))
            for term, n in tf.items():
                postings[term].append((i, n))
        self.n = len(docs)
        lengths = np.array(lengths, dtype=np.float64)
        avgdl = lengths.mean() if self.n else 1.0
        self.postings = {}
        for term, entries in postings.items():
            ids = np.array([i for i, _ in entries], dtype=np.int64)
            tf = np.array([n for _, n in entries], dtype=np.float64)
            idf = math.log(1 + (self.n - len(entries) + 0.5) / (len(entries) + 0.5))
            weights = idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[ids] / avgdl))
            self.postings[term] = (ids, weights)

    def search(self, query, k=100):
        scores = np.zeros(self.n)
        for term in set(analyze(query)):
            if term in self.postings:
                ids, weights = self.postings[term]
                scores[ids] += weights
        candidates = np.flatnonzero(scores)
        if len(candidates) > k:
            candidates = candidates[np.argpartition(-scores[candidates], k)[:k]]
        # score descending, then index ascending: deterministic ties
        ranked = sorted(candidates.tolist(), key=lambda i: (-scores[i], i))
        return [(i, float(scores[i])) for i in ranked]
