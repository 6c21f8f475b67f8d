#!/usr/bin/env python3
"""Training text beyond package descriptions: manual pages (NAME line + DESCRIPTION), GNU info
manuals (node + text) and HTML manuals (section heading + text), all from Debian packages, with
queries like users type: questions made from the heading, 2-4 keywords, and short descriptions
(a manual page's NAME line). The passage is the section's text without its heading, as an answer
does not repeat its question.

Nothing question-and-answer shaped is read (paths or headings naming a FAQ): those documents are
the held-out set of build_faq.py. The PostgreSQL manual is left out of training altogether and
becomes a second held-out set of a source never seen, heldout/postgresql/ (queries: the section
headings; relevant: the section's text), written only when missing so its figures stay comparable.

Output: docs.jsonl in --out ({"id", "source", "split", "text", "queries": [...]}), split train/dev
by a hash of the page. Deterministic: same installed documentation, same files.
"""
import argparse
import glob
import hashlib
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from doc_text import FAQ, html_sections, info_nodes, man_page, read_text  # noqa: E402

PYTHON_HTML = "/usr/share/doc/python3.11/html"
GIT_HTML = "/usr/share/doc/git-doc"
POSTGRES_HTML = "/usr/share/doc/postgresql-doc-15/html"
STOPWORDS = set(
    "a an and are as at be by for from has have in into is it its of on or that the this to with which you your can will not "
    "all also more other than then there these those such using use via how do does what when where why i".split()
)
GENERIC = re.compile(
    r"^(introduction|overview|description|synopsis|options|examples?|notes?|see also|bugs|authors?|copyright|"
    r"return value|errors|environment|files|history|conforming to|standards|tip|warning|caution|important|"
    r"table of contents|contents|index|top|summary|footnotes|license|availability|versions|attributes|"
    r"exit status|reporting bugs|[ivx]+|chapter \d+|part [ivx]+|\W*)$",
    re.I,
)
MAX_WORDS = 200


def clean_heading(heading):
    heading = re.sub(r"^([0-9A-Z]+\.)+[0-9]*\.?\s+", "", heading)  # section numbers: "23.2. ", "4.1 "
    return re.sub(r"\s+", " ", heading).strip(" .:¶")


def keywords(text, rng):
    words = [w for w in re.findall(r"[a-z0-9+#_.]+", text.lower()) if w.strip(".") not in STOPWORDS and len(w.strip(".")) > 1]
    words = [w.strip(".") for w in words]
    if len(words) < 2:
        return None
    k = min(len(words), rng.choice([2, 3, 3, 4]))
    start = rng.randrange(0, len(words) - k + 1)
    return " ".join(words[start : start + k])


def question(topic, rng):
    """A question a user might type about a heading or a one-line description."""
    topic = topic[0].lower() + topic[1:] if topic[:2] != topic[:2].upper() else topic
    if topic.endswith("?"):
        return topic
    templates = ["how do I {}?", "what is {}?", "how does {} work?", "{}?", "how to {}", "what about {}?", "explain {}"]
    return rng.choice(templates).format(topic)


def first_sentence(text):
    m = re.match(r"(.{20,200}?[.!?])\s", text)
    return m.group(1) if m else None


def section_record(source, page_id, heading, text, rng):
    heading = clean_heading(heading)
    words = text.split()
    if len(words) < 15 or not heading or GENERIC.match(heading) or FAQ.search(heading) or len(heading) > 120:
        return None
    text = " ".join(words[:MAX_WORDS])
    queries = [question(heading, rng)]
    kw = keywords(heading + " " + (first_sentence(text) or ""), rng)
    if kw:
        queries.append(kw)
    return {"id": f"{source}:{page_id}#{heading}", "source": source, "page": page_id, "text": text, "queries": queries}


def foreign_files():
    """Files of packages that are not Debian's (the Google Cloud CLI, 16,000 pages from its own
    archive) or belong to the held-out PostgreSQL family."""
    files = set()
    for listing in glob.glob("/var/lib/dpkg/info/google-cloud*.list") + glob.glob("/var/lib/dpkg/info/*postgresql*.list") + glob.glob("/var/lib/dpkg/info/libpq*.list"):
        files.update(line.strip() for line in open(listing))
    return files


def man_records(rng):
    foreign = foreign_files()
    for path in sorted(glob.glob("/usr/share/man/man[1-8]/*")):
        # links (alternatives such as psql.1.gz) and foreign pages left out
        if FAQ.search(os.path.basename(path)) or os.path.islink(path) or path in foreign:
            continue
        try:
            page = man_page(path)
        except (OSError, UnicodeError):
            continue
        if not page:
            continue
        name, one_line, description = page
        words = description.split()
        if len(words) < 15:
            continue
        page_id = os.path.basename(path).removesuffix(".gz")
        kw = keywords(one_line, rng)
        queries = [one_line, question(one_line, rng)] + ([kw] if kw else [])
        yield {"id": f"man:{page_id}", "source": "man", "page": page_id, "text": " ".join(words[:MAX_WORDS]), "queries": queries}


def info_records(rng):
    manuals = {}
    for path in sorted(glob.glob("/usr/share/info/*.info*")):
        manual = re.sub(r"\.info(-\d+)?(\.gz)?$", "", os.path.basename(path))
        # python3.11's info manual is the HTML manual again, FAQ included: the HTML one is read instead
        if not FAQ.search(manual) and not manual.startswith("python"):
            manuals.setdefault(manual, []).append(path)
    for manual, paths in sorted(manuals.items()):
        text = "\n".join(read_text(p) for p in sorted(paths, key=lambda p: (len(p), p)))
        for node, body in info_nodes(text):
            r = section_record("info", manual, node, body, rng)
            if r:
                yield r


def html_records(root, source, rng, exclude=re.compile(r"genindex|search\.html|py-modindex|whatsnew|changelog|release-", re.I)):
    for path in sorted(glob.glob(os.path.join(root, "**", "*.html"), recursive=True)):
        rel = os.path.relpath(path, root)
        if FAQ.search(rel) or exclude.search(rel):
            continue
        for _, heading, text in html_sections(path):
            r = section_record(source, rel, heading, text, rng)
            if r:
                yield r


def split_of(page):
    h = int(hashlib.sha256(page.encode()).hexdigest()[:8], 16) % 100
    return "dev" if h < 3 else "train"


def write_postgres_heldout(heldout, rng, queries=500):
    """Section heading -> its text, over the PostgreSQL manual (never in training)."""
    beir = os.path.join(heldout, "postgresql")
    if os.path.exists(os.path.join(beir, "queries.jsonl")):
        return "kept"
    sections, seen = [], set()
    for r in html_records(POSTGRES_HTML, "postgresql", random.Random(0), exclude=re.compile(r"release-|bookindex|^index\.html|biblio", re.I)):
        heading = r["id"].split("#", 1)[1]
        key = heading.lower()
        if key in seen or len(heading.split()) < 2 or re.match(r"^[A-Z_ ]+$", heading):
            continue  # unique, multi-word headings: "Creating a Database", not "CREATE TABLE" or "Examples"
        seen.add(key)
        sections.append((f"pg{len(sections):05d}", heading, " ".join(r["text"].split()[:150])))
    chosen = set(rng.sample(range(len(sections)), min(queries, len(sections))))
    os.makedirs(os.path.join(beir, "qrels"), exist_ok=True)
    with open(os.path.join(beir, "corpus.jsonl"), "w") as corpus:
        for doc_id, _, text in sections:
            corpus.write(json.dumps({"_id": doc_id, "title": "", "text": text}) + "\n")
    with open(os.path.join(beir, "queries.jsonl"), "w") as out, open(os.path.join(beir, "qrels", "test.tsv"), "w") as qrels:
        qrels.write("query-id\tcorpus-id\tscore\n")
        for i, (doc_id, heading, _) in enumerate(sections):
            if i in chosen:
                out.write(json.dumps({"_id": doc_id, "text": heading}) + "\n")
                qrels.write(f"{doc_id}\t{doc_id}\t1\n")
    return f"{len(chosen)} queries, {len(sections)} documents"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "data"))
    parser.add_argument("--heldout", default=os.path.join(os.path.dirname(__file__), "heldout"))
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    counts, seen = {}, set()
    with open(os.path.join(args.out, "docs.jsonl"), "w") as out:
        for records in (man_records(rng), info_records(rng), html_records(PYTHON_HTML, "python", rng), html_records(GIT_HTML, "git", rng)):
            for r in records:
                key = r["text"].lower()
                if key in seen or r["id"] in seen:
                    continue
                seen.update((key, r["id"]))
                r["split"] = split_of(f"{r['source']}:{r['page']}")
                out.write(json.dumps(r) + "\n")
                counts[f"{r['source']}/{r['split']}"] = counts.get(f"{r['source']}/{r['split']}", 0) + 1
    pg = write_postgres_heldout(args.heldout, random.Random(args.seed))
    print(json.dumps({"docs": counts, "postgresql_heldout": pg}))


if __name__ == "__main__":
    main()
