#!/usr/bin/env python3
"""Builds the starter reranker's training data from Debian's English package descriptions.

Each package gives a (query, passage) pair: its one-line synopsis, or a short keyword query drawn
from it, against its long description. Packages are split into train / dev / test by a hash of
their name's stem (so libfoo-dev and libfoo-doc land on the same side), and the test side is
written as two BEIR datasets for `crossrank eval` that share one corpus: synopsis queries, and
keyword queries drawn from the synopses. They are small and committed (training/heldout/), so the
evaluation runs on a fresh clone.

Input: the Translation-en lists that `apt-get -o Acquire::Languages=en update` fetches.
Output: train.jsonl and dev.jsonl in --out (default training/data); in --heldout (default
training/heldout) synopsis/ (corpus.jsonl, queries.jsonl, qrels/test.tsv) and keywords/
(queries.jsonl, qrels/test.tsv, corpus.jsonl a link to synopsis/corpus.jsonl), written only when
missing (or with --force-heldout), so that newer lists leave the committed sets alone. Deterministic:
same lists, same files.
"""
import argparse
import glob
import hashlib
import json
import os
import random
import re
import subprocess

STOPWORDS = set(
    "a an and are as at be by for from has have in into is it its of on or that the this to with "
    "which you your can will not all also more other than then there these those such using use "
    "based based via package provides contains files file support library tool tools program".split()
)
BOILERPLATE = re.compile(
    r"^(this package (contains|provides) (the )?(development|header|debug|documentation|transitional|static)|"
    r"this is a (transitional|dummy) package)",
    re.I,
)
STEM_SUFFIX = re.compile(r"(-(dev|doc|docs|dbg|dbgsym|common|data|bin|utils|tools|examples|tests?|plugins?|perl|java|cil|[0-9.]+))+$")


def translation_files():
    paths = sorted(glob.glob("/var/lib/apt/lists/*_i18n_Translation-en*"))
    if not paths:
        raise SystemExit("no Translation-en lists: run `apt-get -o Acquire::Languages=en update` first")
    return paths


def read_list(path):
    # apt-helper decompresses whatever apt stored (plain, gz, xz, lz4)
    return subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", path], check=True, capture_output=True, text=True).stdout


def parse(text):
    for stanza in text.split("\n\n"):
        name, synopsis, body = None, None, []
        lines = stanza.split("\n")
        for i, line in enumerate(lines):
            if line.startswith("Package: "):
                name = line[9:].strip()
            elif line.startswith("Description-en: "):
                synopsis = line[16:].strip()
                for cont in lines[i + 1 :]:
                    if not cont.startswith(" "):
                        break
                    cont = cont[1:]
                    body.append("" if cont.strip() == "." else cont.strip())
                break
        if name and synopsis and body:
            description = re.sub(r"\s+", " ", " ".join(body)).strip()
            yield name, synopsis, description


def stem(name):
    base = STEM_SUFFIX.sub("", name)
    base = re.sub(r"^(lib|python3?-|golang-|node-|r-cran-|ruby-|php-|perl-)", "", base)
    return re.sub(r"[0-9.]+$", "", base) or name


def split_of(name):
    h = int(hashlib.sha256(stem(name).encode()).hexdigest()[:8], 16) % 100
    return "test" if h < 4 else "dev" if h < 6 else "train"


def keyword_query(synopsis, rng):
    words = [w for w in re.findall(r"[a-z0-9+#]+", synopsis.lower()) if w not in STOPWORDS and len(w) > 1]
    if len(words) < 2:
        return None
    k = min(len(words), rng.choice([2, 3, 3, 4]))
    start = rng.randrange(0, len(words) - k + 1)
    return " ".join(words[start : start + k])


def make_dirs(beir_dir):
    os.makedirs(os.path.join(beir_dir, "qrels"), exist_ok=True)
    return beir_dir


def write_queries(beir_dir, queries):
    """queries.jsonl and qrels/test.tsv: each query's one relevant document is its own package."""
    with open(os.path.join(beir_dir, "queries.jsonl"), "w") as out, open(os.path.join(beir_dir, "qrels", "test.tsv"), "w") as qrels:
        qrels.write("query-id\tcorpus-id\tscore\n")
        for package, text in queries:
            out.write(json.dumps({"_id": package, "text": text}) + "\n")
            qrels.write(f"{package}\t{package}\t1\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "data"))
    parser.add_argument("--heldout", default=os.path.join(os.path.dirname(__file__), "heldout"))
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--force-heldout", action="store_true", help="rewrite heldout/synopsis and heldout/keywords even if they exist")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    seen_descriptions = set()
    records = []
    for path in translation_files():
        for name, synopsis, description in parse(read_list(path)):
            words = description.split()
            if len(words) < 15 or BOILERPLATE.match(description):
                continue
            key = description.lower()
            if key in seen_descriptions:
                continue
            seen_descriptions.add(key)
            records.append({"package": name, "synopsis": synopsis, "description": " ".join(words[:300])})
    records.sort(key=lambda r: r["package"])

    os.makedirs(args.out, exist_ok=True)
    splits = {"train": [], "dev": [], "test": []}
    for r in records:
        splits[split_of(r["package"])].append(r)
    for part in ("train", "dev"):
        with open(os.path.join(args.out, f"{part}.jsonl"), "w") as f:
            for r in splits[part]:
                r = dict(r, keywords=keyword_query(r["synopsis"], rng))
                f.write(json.dumps(r) + "\n")

    # test keywords are drawn after train and dev, so adding them left those files unchanged
    test = [dict(r, keywords=keyword_query(r["synopsis"], rng)) for r in splits["test"]]
    # a package name is a document id there, so it must be unique (two openjdk-17-jre builds differ
    # by one word); train and dev keep their few repeats, as the shipped model was trained with them
    names = set()
    test = [r for r in test if not (r["package"] in names or names.add(r["package"]))]
    synopsis_dir, keywords_dir = os.path.join(args.heldout, "synopsis"), os.path.join(args.heldout, "keywords")
    counts = {k: len(v) for k, v in splits.items()}
    if os.path.exists(os.path.join(synopsis_dir, "queries.jsonl")) and not args.force_heldout:
        # the committed sets are what figures are compared on: newer package lists must not change them
        print(json.dumps({"packages": len(records), **counts, "out": args.out, "heldout": "kept"}))
        return
    with open(os.path.join(make_dirs(synopsis_dir), "corpus.jsonl"), "w") as corpus:
        for r in test:
            corpus.write(json.dumps({"_id": r["package"], "title": "", "text": r["description"]}) + "\n")
    write_queries(synopsis_dir, [(r["package"], r["synopsis"]) for r in test])
    write_queries(make_dirs(keywords_dir), [(r["package"], r["keywords"]) for r in test if r["keywords"]])
    link = os.path.join(keywords_dir, "corpus.jsonl")
    if not os.path.lexists(link):
        os.symlink(os.path.join("..", "synopsis", "corpus.jsonl"), link)
    print(json.dumps({"packages": len(records), **counts, "out": args.out, "heldout": args.heldout}))


if __name__ == "__main__":
    main()
