#!/usr/bin/env python3
"""The unseen-kind held-out set, heldout/faq/: real question-and-answer documentation from Debian
packages, a kind of text the starter never trains on (build_docs.py reads nothing FAQ-shaped).
Each question is a query, its answer the one relevant document; the corpus is all the answers.

Sources: the Python FAQ (python3-doc), the Debian FAQ (debian-faq), gitfaq (git-doc), the zlib FAQ
(zlib1g-dev) and the XZ Utils FAQ (xz-utils) and the lsof FAQ (lsof). Written only when missing (the committed set is what
figures are compared on). Deterministic.

  /usr/bin/python3 training/build_faq.py [--heldout training/heldout] [--force]
"""
import argparse
import glob
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from doc_text import html_sections, read_text, squash  # noqa: E402

MAX_WORDS = 200


def python_faq():
    for path in sorted(glob.glob("/usr/share/doc/python3.11/html/faq/*.html")):
        for level, heading, text in html_sections(path):
            if level == 3:
                yield "python", heading, text


def debian_faq():
    for path in sorted(glob.glob("/usr/share/doc/debian/FAQ/*.en.html")):
        for level, heading, text in html_sections(path):
            m = re.match(r"^\d+\.\d+(\.\d+)?\.\s+(.*)$", heading)
            if m and level >= 2 and m.group(2).endswith("?"):
                yield "debian", m.group(2), text


def git_faq():
    for level, heading, text in html_sections("/usr/share/doc/git-doc/gitfaq.html", dt_headings=True):
        if level == 9:
            yield "git", heading, text


def numbered_text_faq(path, name):
    """ ' 1. Question?' then an indented answer (the zlib FAQ)."""
    text = read_text(path)
    items = re.split(r"\n\s{0,3}(\d+)\.\s+", text)
    for i in range(1, len(items) - 1, 2):
        block = items[i + 1]
        question, _, answer = block.partition("\n\n")
        yield name, squash(question), squash(answer)


def qa_text_faq(path, name):
    """'Q:  question' / 'A:  answer' blocks (the XZ Utils FAQ)."""
    text = read_text(path)
    for m in re.finditer(r"^Q:\s+(.*?)\n\s*\nA:\s+(.*?)(?=\n\s*\nQ:|\Z)", text, re.S | re.M):
        yield name, squash(m.group(1)), squash(m.group(2))


def lsof_faq():
    """'N.N[.N]<tab>question' (wrapped), a blank line, the answer; after the table of contents (lsof)."""
    text = read_text("/usr/share/doc/lsof/00FAQ.gz")
    text = text[text.find("\n1.1\t", text.find("\n1.1\t") + 1) :]
    for m in re.finditer(r"^\d+\.\d+(?:\.\d+)?\s+(.+?)\n\s*\n(.*?)(?=^\d+\.\d+(?:\.\d+)?\s|\Z)", text, re.S | re.M):
        question = squash(m.group(1))
        if question.endswith("?"):
            yield "lsof", question, squash(m.group(2))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--heldout", default=os.path.join(os.path.dirname(__file__), "heldout"))
    parser.add_argument("--force", action="store_true", help="rewrite the set even if it exists")
    args = parser.parse_args()
    beir = os.path.join(args.heldout, "faq")
    if os.path.exists(os.path.join(beir, "queries.jsonl")) and not args.force:
        print(json.dumps({"faq": "kept", "dir": beir}))
        return
    items, seen = [], set()
    sources = [python_faq(), debian_faq(), git_faq(), numbered_text_faq("/usr/share/doc/zlib1g-dev/FAQ.gz", "zlib"), qa_text_faq("/usr/share/doc/xz-utils/faq.txt.gz", "xz"), lsof_faq()]
    counts = {}
    for source in sources:
        for name, question, answer in source:
            words = answer.split()
            if len(words) < 5 or len(question.split()) < 2 or question.lower() in seen:
                continue
            seen.add(question.lower())
            counts[name] = counts.get(name, 0) + 1
            items.append((f"{name}-{counts[name]:03d}", question, " ".join(words[:MAX_WORDS])))
    os.makedirs(os.path.join(beir, "qrels"), exist_ok=True)
    with open(os.path.join(beir, "corpus.jsonl"), "w") as corpus, open(os.path.join(beir, "queries.jsonl"), "w") as queries, open(os.path.join(beir, "qrels", "test.tsv"), "w") as qrels:
        qrels.write("query-id\tcorpus-id\tscore\n")
        for doc_id, question, answer in items:
            corpus.write(json.dumps({"_id": doc_id, "title": "", "text": answer}) + "\n")
            queries.write(json.dumps({"_id": doc_id, "text": question}) + "\n")
            qrels.write(f"{doc_id}\t{doc_id}\t1\n")
    print(json.dumps({"faq": len(items), "by_source": counts, "dir": beir}))


if __name__ == "__main__":
    main()
