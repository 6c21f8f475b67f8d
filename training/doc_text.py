"""Plain text out of the documentation Debian installs: manual pages (roff), GNU info manuals and
HTML manuals, cut into (heading, text) sections. Used by build_docs.py (training text and the
held-out PostgreSQL manual) and build_faq.py (the question-and-answer held-out set)."""
import gzip
import html
import re
from html.parser import HTMLParser

FAQ = re.compile(r"faq|frequently.asked", re.I)


def read_text(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        return f.read()


def squash(text):
    return re.sub(r"\s+", " ", text).strip()


# ---- manual pages ------------------------------------------------------------------------------

ROFF_ESCAPES = [
    (re.compile(r"\\f(\[[^\]]*\]|\(..|.)"), ""),  # font changes
    (re.compile(r"\\s[+-]?\d"), ""),  # size changes
    (re.compile(r"\\\(em|\\\(en"), " - "),
    (re.compile(r"\\\((lq|rq|oq|cq|dq)"), '"'),
    (re.compile(r"\\\(..|\\\[[^\]]*\]"), " "),  # other named glyphs
    (re.compile(r"\\\*(\(..|\[[^\]]*\]|.)"), ""),  # strings
    (re.compile(r"\\[-e]"), lambda m: "-" if m.group(0) == "\\-" else "\\"),
    (re.compile(r"\\[&c|^%:~0 ]"), lambda m: " " if m.group(0) in ("\\ ", "\\~", "\\0") else ""),
    (re.compile(r"\\[nwkhvlLoxzZ]('[^']*'|\[[^\]]*\]|\(..|.)?"), ""),
    (re.compile(r'\\"'), ""),
]
TEXT_MACROS = re.compile(r"^\.(B|I|BI|BR|IB|IR|RB|RI|SM|SB|Nm|Nd|Ar|Fl|Cm|Pa|Xr|Em|Sy|Va|Fn|Fa|Dv|Er|Ev|Li|Ql|Dq|Sq|Pq|Op|It|Ic|Tn|Ux)\b\s*(.*)$")


def roff_line(line):
    for pattern, repl in ROFF_ESCAPES:
        line = pattern.sub(repl, line)
    return line


def roff_text(lines):
    out = []
    for line in lines:
        if line.startswith((".", "'")):
            m = TEXT_MACROS.match(line)
            if m:
                args = m.group(2)
                if m.group(1) in ("BR", "RB", "IR", "RI", "BI", "IB"):
                    args = "".join(a.strip('"') for a in re.findall(r'"[^"]*"|\S+', args))
                out.append(args.replace('"', ""))
            elif line.startswith((".IP", ".TP")):
                arg = line[3:].strip().strip('"')
                if arg and not re.fullmatch(r"[\d.]+[a-z]?", arg) and arg not in ("\\(bu", "*"):
                    out.append(arg)
            continue
        out.append(line)
    return squash(roff_line(" ".join(out)))


def man_sections(source):
    """{'NAME': text, 'DESCRIPTION': text, ...} of a roff (man or mdoc) page; {} for a .so link."""
    lines = source.split("\n")
    if any(line.startswith(".so ") for line in lines[:3]):
        return {}
    sections, current = {}, None
    for line in lines:
        m = re.match(r'^\.(SH|Sh)\s+"?([^"]*)"?\s*$', line)
        if m:
            current = roff_line(m.group(2)).strip().upper()
            sections.setdefault(current, [])
        elif current:
            sections[current].append(line)
    return {name: roff_text(body) for name, body in sections.items()}


def man_page(path):
    """(name, one-line description, DESCRIPTION text) or None."""
    sections = man_sections(read_text(path))
    name_line, description = sections.get("NAME", ""), sections.get("DESCRIPTION", "")
    m = re.match(r"^(.+?)\s+(?:\\?-|--|—)\s+(.+)$", name_line)
    if not m or not description:
        return None
    return m.group(1).strip(), m.group(2).strip(), description


# ---- GNU info ----------------------------------------------------------------------------------


def info_nodes(text):
    """(node name, text) for each node of an info file's text (the parts of a split manual joined)."""
    for chunk in text.split("\x1f"):
        lines = chunk.strip("\n").split("\n")
        if not lines or not lines[0].startswith("File:"):
            continue
        m = re.search(r"Node:\s*([^,]+)", lines[0])
        if not m:
            continue
        body = lines[1:]
        # drop the title and its underline
        while body and (not body[0].strip() or re.fullmatch(r"[=*\-.]+", body[0].strip())):
            body = body[1:]
        if len(body) > 1 and re.fullmatch(r"[=*\-.]+", body[1].strip() or "x"):
            body = body[2:]
        text_lines = [line for line in body if not line.startswith("* Menu:") and not re.match(r"^\* [^:]+::", line)]
        yield m.group(1).strip(), squash(" ".join(text_lines))


# ---- HTML --------------------------------------------------------------------------------------

SKIP_TAGS = {"script", "style", "head", "title"}
STOP_CLASSES = re.compile(r"sphinxsidebar|footer|navfooter|navheader|^related$|^toc$|^contents\b")


class Sections(HTMLParser):
    """Splits a page into (heading, text) at h1-h4 (and <dt> of a definition list with dt_headings);
    text in sidebars, navigation and footers is left out."""

    def __init__(self, dt_headings=False):
        super().__init__(convert_charrefs=True)
        self.dt_headings = dt_headings
        self.sections = []  # [level, heading, [text]]
        self.heading = None  # [level, [text]] while inside a heading
        self.skip = 0
        self.stop_tag, self.stop_depth = None, 0  # inside a sidebar: its tag and how deep in it (same-name tags only)

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        ident = dict(attrs).get("id") or ""
        if self.stop_tag == tag:
            self.stop_depth += 1
        elif self.stop_tag is None and (STOP_CLASSES.search(cls) or ident in ("footer", "header")):
            self.stop_tag, self.stop_depth = tag, 1
        if tag in SKIP_TAGS:
            self.skip += 1
        if tag in ("h1", "h2", "h3", "h4") or (self.dt_headings and tag == "dt"):
            self.heading = [int(tag[1]) if tag[0] == "h" else 9, []]

    def handle_endtag(self, tag):
        if self.stop_tag == tag:
            self.stop_depth -= 1
            if self.stop_depth == 0:
                self.stop_tag = None
        if tag in SKIP_TAGS and self.skip:
            self.skip -= 1
        if self.heading and (tag in ("h1", "h2", "h3", "h4", "dt")):
            level, parts = self.heading
            self.heading = None
            text = squash("".join(parts)).rstrip("¶").strip()
            if text and self.stop_tag is None:
                self.sections.append([level, text, []])

    def handle_data(self, data):
        if self.skip or self.stop_tag is not None:
            return
        if self.heading is not None:
            self.heading[1].append(data)
        elif self.sections:
            self.sections[-1][2].append(data)


def html_sections(path, dt_headings=False):
    """[(level, heading, text)] of an HTML page, in order."""
    parser = Sections(dt_headings)
    page = read_text(path)
    main = page.find('role="main"')  # Sphinx (the Python manuals): the body alone, not its menus
    if main >= 0:
        page = page[page.rfind("<", 0, main) : page.find('class="sphinxsidebar"', main) % (len(page) + 1)]
    parser.feed(page)
    return [(level, html.unescape(heading), squash(" ".join(parts))) for level, heading, parts in parser.sections]
