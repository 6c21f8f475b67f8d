#!/usr/bin/env python3
"""The last stage of the shipped starter: a trained run's encoder, unchanged, plus the exact-match
channel (model.LexicalMatch) untrained, reading a longer window than the encoder does.

The channel's token weights are each word piece's IDF over the training passages (k1 1.2, b 0.75),
times one factor chosen here on the dev split: for each factor, dev MRR@10 of reranking BM25's top
--depth for the package synopses and the documentation questions, mixed with BM25 at each of
choose_weight.py's weights, and the factor whose best mix is best on the average of the two is
kept, with that mix's weight (choose_weight.py's rule on the same queries), which it prints last. Pairs are --max-length tokens; the encoder reads their first max_positions (its position
table, 128 for the starter: a window ending in [SEP]) and the channel all of them. Training the channel with the encoder (`train.py --lexical`) moved the
held-out unseen sets the wrong way (training/README.md, run E); kept apart, it adds what the
encoder cannot know: what an exact match of a word piece it never saw in a training query is worth.

  /usr/bin/python3 training/attach_channel.py --run training/runs/stage3 --out training/runs/starter
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from bm25 import BM25  # noqa: E402
from choose_weight import WEIGHTS, best_weight, dev_sets, standardize  # noqa: E402
from model import CrossEncoder, collate  # noqa: E402
from probe import write_probes  # noqa: E402
from train import export, idf  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SCALES = [0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0]


def dev_mrr_by_scale(model, encoded, dev, queries, depth, max_length):
    """The encoder's logit and the channel's unit score (factor 1) of every candidate once, then
    MRR@10 of each factor, alone and mixed with BM25 at each of choose_weight.py's weights (each
    score standardised over the query's candidates, as crossrank's pipeline mixes them)."""
    index = BM25([text for _, _, text in dev])
    mrr = {(s, w): 0.0 for s in SCALES for w in WEIGHTS}
    with torch.no_grad():
        for i, (query, _, _) in enumerate(dev[:queries]):
            hits = index.search(query, depth)
            ids = [j for j, _ in hits]
            if i not in ids:
                continue
            q = encoded["queries"][query]
            pairs = [(q, encoded["passages"][dev[j][1]]) for j in ids]
            batches = [collate(pairs[k : k + 64], max_length) for k in range(0, len(pairs), 64)]
            encoder = np.concatenate([model.encoder_logit(*batch).numpy() for batch in batches])
            channel = np.concatenate([model.lexical(*batch).numpy() for batch in batches])
            bm25 = standardize(np.array([score for _, score in hits]))
            for s in SCALES:
                alone = standardize(encoder + s * channel)
                for w in WEIGHTS:
                    order = [ids[k] for k in np.argsort(-(alone + w * bm25), kind="stable")]
                    if i in order[:10]:
                        mrr[s, w] += 1 / (order.index(i) + 1)
    n = min(queries, len(dev))
    return {str(s): {str(w): round(mrr[s, w] / n, 4) for w in WEIGHTS} for s in SCALES}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True, help="the trained run whose model.pt and weights.json give the encoder")
    p.add_argument("--out", required=True)
    p.add_argument("--data", default=os.path.join(HERE, "data"))
    p.add_argument("--max-length", type=int, default=512, help="tokens per pair the channel reads")
    p.add_argument("--packages", type=int, default=400, help="dev synopses to rank (all dev documentation questions are ranked)")
    p.add_argument("--depth", type=int, default=100)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    encoded = json.load(open(os.path.join(args.data, "encoded.json")))
    manifest = json.load(open(os.path.join(args.run, "weights.json")))
    spec = {k: v for k, v in manifest.get("torch_spec", manifest["spec"]).items() if not k.startswith("lexical")}
    if "lexical_avg_length" in manifest.get("torch_spec", {}):
        sys.exit(f"{args.run} already has a channel")

    # the channel's constants, IDF and the mean document length, over every training passage (not
    # only those of the last stage's groups, so that they do not depend on how the stages mined)
    names = sorted([json.loads(line)["package"] for line in open(os.path.join(args.data, "train.jsonl"))]
                   + [r["id"] for r in map(json.loads, open(os.path.join(args.data, "docs.jsonl"))) if r["split"] == "train"])
    lengths = [min(len(encoded["passages"][n]), args.max_length - 3) for n in names]
    model = CrossEncoder(**spec, lexical_avg_length=round(sum(lengths) / len(lengths), 1), max_length=args.max_length)
    missing, unexpected = model.load_state_dict(torch.load(os.path.join(args.run, "model.pt")), strict=False)
    if unexpected or any(not k.startswith("lexical.") for k in missing):
        sys.exit(f"{args.run}/model.pt does not fit its own weights.json: missing {missing}, unexpected {unexpected}")
    with torch.no_grad():
        model.lexical.term_weight.copy_(idf(encoded, names, spec["vocab"]))
    model.eval()
    print(f"channel: IDF over {len(names)} passages, average length {model.lexical.avg_length.item()}", file=sys.stderr, flush=True)

    results = {name: dev_mrr_by_scale(model, encoded, dev, queries, args.depth, args.max_length) for name, (dev, queries) in dev_sets(args.data, args.packages).items()}
    # the factor whose best mix with BM25 is best on the average of the two kinds: mixed is how
    # search, eval, rerank and the service run the starter by default; that mix's weight is
    # choose_weight.py's choice on the same dev queries, so it is not computed a second time
    weights = {s: best_weight([r[str(s)] for r in results.values()]) for s in SCALES}
    mixed = {s: sum(r[str(s)][str(weights[s])] for r in results.values()) / len(results) for s in SCALES}
    scale = max(SCALES, key=lambda s: mixed[s])
    for s in SCALES:
        alone = " / ".join(f"{r[str(s)]['0']:.4f}" for r in results.values())
        print(f"factor {s}: dev MRR@10 alone {alone} ({' / '.join(results)}), best mix {mixed[s]:.4f} at weight {weights[s]}", file=sys.stderr, flush=True)
    print(f"factor {scale}, first-stage weight {weights[scale]}", file=sys.stderr, flush=True)
    with torch.no_grad():
        model.lexical.scale.fill_(scale)

    os.makedirs(args.out, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(args.out, "model.pt"))
    export(model, args.out)
    # probes at the full length, so the export's check runs pairs longer than the encoder's window
    write_probes(model, args.data, args.out, max_length=args.max_length, long=True)
    json.dump({**vars(args), "scale": scale, "first_stage_weight": weights[scale], "dev_mrr10_by_scale_and_weight": results}, open(os.path.join(args.out, "args.json"), "w"), indent=1)
    print(f"saved to {args.out}", file=sys.stderr, flush=True)
    print(weights[scale])  # the first-stage weight, for reproduce.sh to hand to the export


if __name__ == "__main__":
    main()
