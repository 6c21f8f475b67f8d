#!/usr/bin/env python3
"""Logits of a trained run on a few dev pairs (probes.json), so the ONNX export can be checked
against PyTorch itself, not only against the TypeScript reference. With --weights it also rewrites
weights.bin and weights.json from model.pt (a run stopped at a checkpoint, or exported by an older
train.py).

  /usr/bin/python3 training/probe.py --run training/runs/starter [--weights]
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from model import CrossEncoder, collate  # noqa: E402


def write_probes(model, data_dir, out, count=8, max_length=128, long=False):
    """With long, also the first queries against the longest passages of encoded.json: pairs longer
    than an encoder window (model.encoder_window), which dev package descriptions seldom are."""
    encoded = json.load(open(os.path.join(data_dir, "encoded.json")))
    dev = [json.loads(line) for line in open(os.path.join(data_dir, "dev.jsonl"))][:count]
    pairs = [(encoded["queries"][r["synopsis"]], encoded["passages"][dev[(i + k) % len(dev)]["package"]]) for i, r in enumerate(dev) for k in (0, 1)]
    if long:
        longest = sorted(encoded["passages"].items(), key=lambda item: (-len(item[1]), item[0]))[: count // 2]
        pairs += [(encoded["queries"][r["synopsis"]], passage) for r, (_, passage) in zip(dev, longest)]
    model.eval()
    probes = []
    with torch.no_grad():
        for q, d in pairs:
            input_ids, token_types, mask = collate([(q, d)], max_length)
            probes.append({"input_ids": input_ids[0].tolist(), "token_type_ids": token_types[0].tolist(), "logit": model(input_ids, token_types, mask).item()})
    json.dump(probes, open(os.path.join(out, "probes.json"), "w"))


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--run", default=os.path.join(os.path.dirname(__file__), "runs", "starter"))
    p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "data"))
    p.add_argument("--weights", action="store_true", help="also rewrite weights.bin and weights.json from model.pt")
    args = p.parse_args()
    manifest = json.load(open(os.path.join(args.run, "weights.json")))
    model = CrossEncoder(**manifest.get("torch_spec", manifest["spec"]))  # model.pt holds the unfolded weights
    model.load_state_dict(torch.load(os.path.join(args.run, "model.pt")))
    if args.weights:
        from train import export  # noqa: E402 (train imports this module)

        export(model, args.run)
    windowed = "max_length" in model.spec  # pairs longer than the encoder's window (attach_channel.py)
    write_probes(model, args.data, args.run, max_length=model.spec.get("max_length", model.spec["max_positions"]), long=windowed)


if __name__ == "__main__":
    main()
