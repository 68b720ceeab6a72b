"""Article text and metadata from fetched HTML (trafilatura), and from plain text or Markdown.

trafilatura only ever sees the HTML string our own fetcher returned: it never fetches anything itself.
Settings were chosen on the extraction dev set (bench/extract_eval.py): precision mode without comments
beats trafilatura's defaults there, the title line is removed from the body because `Article.title`
carries it, and a short list of general news boilerplate lines ("Read more: ...", "Related: ...",
newsletter pitches, wire-service credit lines) is dropped. No rule names a site.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import urlsplit

import trafilatura

from bot.errors import ExtractionError, InputError
from bot.pipeline.models import Article
from bot.pipeline.prose_html import prepare
from bot.pipeline.pubdate import page_published_date

MIN_WORDS = 40
NO_TEXT = "no article text found — paywall or script-only page?"
_WORD = re.compile(r"\w+")

# Big pages (issue 14): a 5 MB page cost 24 s and 261 MB, mostly lxml trees of scripts, styles and SVG
# trafilatura throws away anyway, and megabytes of text nobody reads in a brief. So the HTML loses those
# elements before parsing (JSON-LD stays: it carries the date and author), what is left is cut at
# MAX_HTML_CHARS, and the article text at MAX_TEXT_CHARS (at a paragraph end). The longest article in
# the extraction dev set has 53k characters of text; real pages stay far below both limits.
MAX_HTML_CHARS = 1_500_000
MAX_TEXT_CHARS = 200_000
# What the embedded summarizer, entity finder and date tagger read: their cost grows with the text, and a
# brief's TL;DR, key points and dated events come from the opening of a story.
BRIEF_TEXT_CHARS = 60_000
# Each search starts where the last element ended and every match moves past its closing tag, so one pass
# covers the page: a hostile page full of unclosed `<script` costs no more than an ordinary one.
_DEAD_OPEN = re.compile(r"<(script|style|svg|template)\b|<!--", re.IGNORECASE)
_DEAD_CLOSE = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in ("script", "style", "svg", "template")}
_KEEP_SCRIPT = re.compile(r"""type\s*=\s*["']?application/ld\+json""", re.IGNORECASE)
_MAX_KEPT_SCRIPT = 100_000


def _drop_dead_elements(html: str) -> str:
    """Scripts (but JSON-LD metadata), styles, inline SVG, templates and comments, removed before parsing.
    From an element that is never closed on, the rest of the page is kept as it is."""
    out: list[str] = []
    pos = 0
    while (m := _DEAD_OPEN.search(html, pos)) is not None:
        name = (m.group(1) or "").lower()
        if not name:  # a comment
            close = html.find("-->", m.end())
            end = close + 3 if close >= 0 else -1
            keep = False
        else:
            tag_end = html.find(">", m.end())
            found = _DEAD_CLOSE[name].search(html, tag_end) if tag_end >= 0 else None
            end = found.end() if found else -1
            keep = (name == "script" and end - m.start() <= _MAX_KEPT_SCRIPT
                    and bool(_KEEP_SCRIPT.search(html, m.end(), tag_end)))
        if end < 0:
            break
        out.append(html[pos:m.start()])
        if keep:
            out.append(html[m.start():end])
        pos = end
    out.append(html[pos:])
    return "".join(out)


def slim_html(html: str) -> str:
    """The HTML trafilatura needs from a page: dead elements dropped, then cut at MAX_HTML_CHARS (at a
    tag start, so no tag is split). A no-op on ordinary pages, where it removes only scripts and styles."""
    if len(html) > 200_000:
        html = _drop_dead_elements(html)
    if len(html) > MAX_HTML_CHARS:
        cut = html.rfind("<", MAX_HTML_CHARS - 20_000, MAX_HTML_CHARS)
        html = html[: cut if cut > 0 else MAX_HTML_CHARS]
    return html


def brief_input(text: str) -> str:
    """The part of an article the embedded brief is drawn from (the first BRIEF_TEXT_CHARS)."""
    return cap_text(text, BRIEF_TEXT_CHARS)


def cap_text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """`text` cut at the last paragraph (else sentence) end before `limit` characters."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = head.rfind("\n\n")
    if cut < limit // 2:
        cut = max(head.rfind(". "), head.rfind("\n"))
    return head[: cut + 1 if cut > 0 else limit].rstrip()

# Lines that are navigation or promotion wherever they appear. Each pattern is anchored at the start of
# a line and only applies to short lines (see _is_boilerplate), so article sentences are never touched.
_BOILERPLATE = re.compile(
    r"""^(?:
        \[?\s*(?:related|read\ more|read\ also|also\ read|see\ also|more|more\ on\ this|related\ post|
            related\ stories|related\ articles|recommended|most\ read|trending|filed\ under|tags|topics|
            source)\s*:
      | \[related:
      | you\ (?:may|might)\ also\ like
      | also\ on\ \S+\.(?:com|org|net|co\.uk)\b
      | like\ this\ (?:story|article)\?
      | share\ this\ (?:story|article)
      | \d*\s*comments?\s*$
      | (?:tempo\ de\ leitura|reading\ time|lesezeit|temps\ de\ lecture)\s*:
      | \d+\s*min(?:ute)?s?\ read\s*$
      | advertisement\s*$
      | (?:follow|like)\ (?:us|[^.]{0,60}?)\ on\ (?:facebook|twitter|instagram|x|linkedin)\b
      | (?:sign\ up|subscribe)\b[^.]{0,80}\b(?:newsletter|inbox)
      | get\ the\ latest\ [^.]{0,60}\ (?:in|to)\ your\ inbox
      | \(?\s*(?:reporting|additional\ reporting|writing|compiled)\ by\ [^\n]{0,300}?(?:editing\ by|\)\s*$)
    )""",
    re.I | re.X,
)


def _is_boilerplate(line: str) -> bool:
    return len(_WORD.findall(line)) <= 40 and bool(_BOILERPLATE.match(line.strip()))


def _word_count(text: str) -> int:
    return len(_WORD.findall(text or ""))


def _parse_date(value) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _parse(html: str):
    """The page as trafilatura parses it, with loose prose put into paragraphs (prose_html); None when
    lxml cannot read it."""
    try:
        tree = trafilatura.load_html(html)
    except Exception:  # noqa: BLE001 - a page lxml cannot parse is a page without article text
        return None
    return prepare(tree) if tree is not None else None


def _run_trafilatura(tree, url: str | None, **options) -> dict | None:
    try:
        # trafilatura copies a tree it is given before pruning it, so the modes share one parse
        out = _call_trafilatura(tree, url, **options)
    except Exception:  # noqa: BLE001 - a page lxml cannot parse is a page without article text
        return None
    if not out:
        return None
    try:
        data = json.loads(out)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _call_trafilatura(tree, url: str | None, **options) -> str | None:
    """trafilatura on our parsed page only (it never fetches); JSON with metadata, no comments."""
    return trafilatura.extract(
        tree,
        url=url,
        output_format="json",
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        deduplicate=False,
        **options,
    )


_SPACE_RUN = re.compile(r"[ \t\u00a0]{2,}")


def _clean_body(text: str, title: str) -> str:
    """Drop the title line trafilatura repeats, boilerplate lines, rules drawn with characters ("_____",
    "* * *": lines without a letter or digit) and blank runs; paragraphs get "\\n\\n". Runs of spaces
    (`&nbsp;` after a full stop in loose text) become one space."""
    lines = [_SPACE_RUN.sub(" ", ln).strip() for ln in (text or "").splitlines()]
    lines = [ln for ln in lines if _WORD.search(ln)]
    norm_title = " ".join(title.split()).casefold()
    if lines and norm_title and " ".join(lines[0].split()).casefold() == norm_title:
        lines = lines[1:]
    return "\n\n".join(ln for ln in lines if not _is_boilerplate(ln))


_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?", re.I)


def _language(data: dict, html: str) -> str | None:
    lang = data.get("language")
    if lang:
        return str(lang).lower()
    m = _HTML_LANG.search(html[:20000])
    return m.group(1).lower() if m else None


def extract_html(html: str, url: str | None = None) -> Article:
    """The main article in `html` as an `Article`; ExtractionError when there is no real text.

    Precision mode first; if it finds too little (some layouts split the story into blocks it
    distrusts), trafilatura's balanced and recall modes get a chance before giving up.
    """
    if not html or not html.strip():
        raise ExtractionError(NO_TEXT)
    original = html
    html = slim_html(html)
    data = None
    body = ""
    tree = _parse(html)
    for options in ({"favor_precision": True}, {}, {"favor_recall": True}):
        candidate = _run_trafilatura(tree, url, **options) if tree is not None else None
        if not candidate:
            continue
        text = _clean_body(candidate.get("text") or "", (candidate.get("title") or "").strip())
        if _word_count(text) >= MIN_WORDS:
            data, body = candidate, text
            break
    if data is None:
        raise ExtractionError(NO_TEXT)

    page_url = url or data.get("source") or data.get("url") or None
    host = urlsplit(page_url).hostname if page_url else None
    site = data.get("sitename") or data.get("source-hostname") or data.get("hostname") or host
    return Article(
        text=cap_text(body),
        cut=len(body) > MAX_TEXT_CHARS,
        title=" ".join((data.get("title") or "").split()),
        url=page_url,
        site=(site or None),
        author=(data.get("author") or None),
        # The page's own first-publication date in its local calendar; trafilatura's guess only as a fallback.
        # (Read from the slimmed HTML: JSON-LD, <meta> and <time> all survive the slimming.)
        published=page_published_date(html, page_url) or _parse_date(data.get("date")),
        language=_language(data, original),
    )


# ------------------------------------------------------------------------------- text and Markdown

_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)")
_MD_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_MD_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S+.*$")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_MD_SETEXT = re.compile(r"^\s{0,3}(?:=+|-+)\s*$")
_MD_RULE = re.compile(r"^\s{0,3}(?:[-*_]\s*){3,}$")
_MD_QUOTE = re.compile(r"^\s{0,3}>\s?")
_MD_BULLET = re.compile(r"^(\s*)[*+]\s+")
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_EM = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])")
_MD_CODE = re.compile(r"`([^`]+)`")
_MD_STRIKE = re.compile(r"~~(.+?)~~")


def _strip_inline(line: str) -> str:
    line = _MD_IMAGE.sub(lambda m: m.group(1), line)
    line = _MD_LINK.sub(lambda m: m.group(1), line)
    line = _MD_REF_LINK.sub(lambda m: m.group(1), line)
    line = _MD_CODE.sub(lambda m: m.group(1), line)
    line = _MD_STRONG.sub(lambda m: m.group(2), line)
    line = _MD_EM.sub(lambda m: m.group(2), line)
    line = _MD_STRIKE.sub(lambda m: m.group(1), line)
    return line


def strip_markdown(text: str) -> str:
    """Light Markdown removal: heading marks, emphasis, links/images to their text, quotes, rules.

    Plain text passes through unchanged apart from line-end whitespace.
    """
    out = []
    in_fence = False
    for raw in text.splitlines():
        if raw.strip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence:
            out.append(raw.rstrip())
            continue
        if _MD_REF_DEF.match(raw):
            continue
        if _MD_SETEXT.match(raw) and out and out[-1].strip():
            continue  # the underline of a Setext heading
        if _MD_RULE.match(raw):
            out.append("")
            continue
        line = _MD_QUOTE.sub("", raw)
        heading = _MD_HEADING.match(line)
        if heading:
            line = heading.group(1)
        line = _MD_BULLET.sub(r"\1- ", line)
        out.append(_strip_inline(line).rstrip())
    cleaned = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", cleaned).strip()


def _title_from_text(text: str) -> tuple[str, str]:
    """(title, body): the first `# heading`, else a short first line, else the opening words."""
    lines = text.strip().splitlines()
    for i, line in enumerate(lines):
        m = _MD_HEADING.match(line)
        if m and line.lstrip().startswith("# "):
            rest = "\n".join(lines[:i] + lines[i + 1:])
            return _strip_inline(m.group(1)).strip(), rest
        if line.strip():
            break
    first_idx = next(i for i, ln in enumerate(lines) if ln.strip())
    first = lines[first_idx].strip()
    rest = "\n".join(lines[first_idx + 1:]).strip()
    next_is_setext = rest.splitlines()[0].strip() if rest else ""
    if next_is_setext and _MD_SETEXT.match(next_is_setext):
        rest = "\n".join(rest.splitlines()[1:])
    plain_first = strip_markdown(first)
    short = len(plain_first) <= 120 and _word_count(plain_first) <= 16 and not plain_first.endswith((".", ","))
    if short and rest.strip():
        return plain_first.lstrip("# ").strip(), rest
    words = plain_first.split()
    title = " ".join(words[:10]) + ("…" if len(words) > 10 else "")
    return title, text


def article_from_text(text: str, title: str | None = None, url: str | None = None,
                      published: dt.date | dt.datetime | str | None = None) -> Article:
    """An Article from pasted text or a .txt/.md file; InputError when there is nothing to read."""
    if text is None or not str(text).strip():
        raise InputError("the text is empty")
    cut = len(str(text)) > MAX_TEXT_CHARS
    text = cap_text(str(text)).replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if title and title.strip():
        body = text
        final_title = " ".join(title.split())
    else:
        final_title, body = _title_from_text(text)
    body = strip_markdown(body)
    if not body.strip():
        # A one-line heading and nothing else: keep the words we have rather than an empty article.
        body = final_title
    if not body.strip():
        raise InputError("the text is empty")
    host = urlsplit(url).hostname if url else None
    return Article(text=body, title=final_title, url=url, site=host, published=_parse_date(published), cut=cut)
