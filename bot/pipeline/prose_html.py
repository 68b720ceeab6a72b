"""Article prose that trafilatura would drop for its markup, put into the shapes it keeps.

Two markup habits cost whole sentences (measured on the brief-dev gold, issue 13):

* **Loose text.** Older CMS templates write paragraphs straight into a `<div>` or `<section>`, separated by
  `<br>` or by headings, with no `<p>`. trafilatura never keeps the own text of a `<section>`, and keeps
  a `<div>`'s only in "div mode", while the page holds little `<p>` text; on a page whose comments or
  sidebar hold paragraphs, the story's opening sentence (the container's own text before the first
  `<br>`) is dropped. Each run of inline content between block children or `<br>`s that holds words of
  its own (not only link text) is wrapped as its own paragraph, which is what a browser shows it as: in
  a `<p>` on a page with paragraphs, in a `<div>` on a page without (new `<p>` text there would switch
  trafilatura out of div mode and lose every other one-paragraph `<div>`, an intro or a closing line).
* **Link wrappers inside a sentence.** `<p>... decided <span class="link"><a>to move the game</a></span>
  in Pittsburgh ...</p>`: precision mode discards elements whose class is "link" (and other chrome
  names), cutting the middle out of the sentence. A `<span>` that holds only link text and sits inside a
  running sentence in a `<p>` is unwrapped, so its words stay in place.

Boilerplate keeps its own shapes: menus and related-article lists are link-only (`<ul>`/`<li>`/`<a>`),
which neither rule touches, and trafilatura's link-density and class filters still apply to everything.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

# Elements laid out inline: a run of these (with the text around them) is one paragraph's worth of prose.
INLINE_TAGS = frozenset({
    "a", "abbr", "acronym", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font",
    "i", "img", "ins", "kbd", "mark", "output", "q", "s", "samp", "small", "span", "strike", "strong", "sub",
    "sup", "time", "tt", "u", "var", "wbr",
})
# Containers whose loose text is wrapped. Not nav/aside/header/footer (chrome), not li/td (lists and tables
# have their own handling), not p (already a paragraph).
CONTAINERS = ("div", "section", "article", "main")
# A run needs this many words (of letters, outside links and URLs) to be prose: a byline, a date line or a
# "Tags: x, y" line stays as it was.
MIN_OWN_WORDS = 8
# ...and its container must hold at least two such paragraphs (runs or `<p>` children): that is a story
# laid out without `<p>`s. A lone caption, print header or structured-data block is left to trafilatura.
MIN_PARAGRAPHS = 2
# trafilatura leaves div mode once the page holds MIN_EXTRACTED_SIZE (250) characters of <p> text (counted
# after its own pruning, so a page with fewer characters than this outside page chrome is surely in div
# mode). There a <div>'s loose text is kept already and is left alone, and a <section>'s runs are wrapped
# in <div>s, which add no <p> text. On other pages runs are wrapped in <p>s, the shape p mode keeps.
P_MODE_CHARS = 250
_CHROME = ("aside", "footer", "form", "figure", "nav", "header", "menu", "dialog", "button", "noscript")
_PARAGRAPH_TEXT = "//p[not(ancestor::" + " or ancestor::".join(_CHROME) + ")]//text()"
# Headings and paragraphs: an empty link in one with at least this many words is an anchor, not a menu.
_TEXT_BLOCKS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "p"})
MIN_HEADING_WORDS = 4
_URL = re.compile(r"(?:https?:)?//\S+|www\.\S+", re.I)
_LETTER_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_HIDDEN = re.compile(r"(?:^|\s)(?:hidden|hide|sr-only|visually-hidden|screen-reader-text)(?:\s|$)", re.I)
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?:;]\s*$")


def _words(text: str | None) -> int:
    return len(_LETTER_WORD.findall(_URL.sub(" ", text or "")))


def _hidden(node: HtmlElement) -> bool:
    style = (node.get("style") or "").replace(" ", "").lower()
    return (node.get("aria-hidden") == "true" or node.get("hidden") is not None
            or bool(_HIDDEN.search(node.get("class") or "")) or "display:none" in style)


def _own_words(text: str | None, inline: list[HtmlElement]) -> int:
    """Words of a run that are not link text: its loose text, tails, and the text of inline children that
    are neither links nor hidden."""
    count = _words(text)
    for node in inline:
        if node.tag != "a" and not _hidden(node):
            count += sum(_words(t) for t in node.xpath(".//text()[not(ancestor::a)]"))
        count += _words(node.tail)
    return count


def _is_inline(node) -> bool:
    return isinstance(node.tag, str) and node.tag in INLINE_TAGS


def _runs(container: HtmlElement) -> list[tuple[HtmlElement | None, str | None, list[HtmlElement]]]:
    """(element the run follows or None for the container's own text, loose text, inline elements)."""
    runs = []
    anchor, text, inline = None, container.text, []
    for child in container:
        if _is_inline(child):
            inline.append(child)
            continue
        runs.append((anchor, text, inline))
        anchor, text, inline = child, child.tail, []
    runs.append((anchor, text, inline))
    return runs


def paragraph_wrapper(tree: HtmlElement) -> str:
    """"p" on a page that holds enough `<p>` text to be past trafilatura's div mode, else "div"."""
    chars = 0
    for text in tree.xpath(_PARAGRAPH_TEXT):
        chars += len(text.strip())
        if chars >= P_MODE_CHARS:
            return "p"
    return "div"


def wrap_loose_text(tree: HtmlElement) -> int:
    """Wrap every prose run of loose text as a paragraph (see the module docstring); returns how many."""
    wrapped = 0
    wrapper = paragraph_wrapper(tree)
    for container in list(tree.iter(*CONTAINERS)):
        if _hidden(container) or (wrapper == "div" and container.tag == "div"):
            continue
        prose = [run for run in _runs(container) if _own_words(run[1], run[2]) >= MIN_OWN_WORDS]
        if not prose:
            continue
        paragraphs = sum(1 for child in container if child.tag == "p" and _words(child.text_content()) >= MIN_OWN_WORDS)
        if len(prose) + paragraphs < MIN_PARAGRAPHS:
            continue
        for anchor, text, inline in prose:
            para = container.makeelement(wrapper, {})
            para.text = text
            if anchor is None:
                container.text = None
                container.insert(0, para)
            else:
                anchor.tail = None
                anchor.addnext(para)
            for node in inline:
                para.append(node)  # moves the node with its tail
            wrapped += 1
    return wrapped


def _text_before(node: HtmlElement) -> str:
    prev = node.getprevious()
    return (prev.tail if prev is not None else node.getparent().text) or ""


def unwrap_sentence_links(tree: HtmlElement) -> int:
    """Unwrap `<span>`s in a `<p>` that hold only link text in the middle or at the end of a running
    sentence, so class filters cannot cut the sentence; returns how many."""
    unwrapped = 0
    for span in list(tree.iter("span")):
        parent = span.getparent()
        if parent is None or parent.tag != "p" or span.get("aria-hidden") == "true":
            continue
        if not span.xpath(".//a") or "".join(span.xpath(".//text()[not(ancestor::a)]")).strip():
            continue
        before = _text_before(span)
        if not _WORD.search(before[-40:]) or _SENTENCE_END.search(before):
            continue
        span.drop_tag()
        unwrapped += 1
    return unwrapped


def drop_empty_links(tree: HtmlElement) -> int:
    """Remove links without text or image from headings and paragraphs that have words of their own
    (a heading's anchor icon); returns how many. trafilatura reads a short element whose links are all
    empty as a link block and deletes it, losing e.g. a deal heading with its price."""
    dropped = 0
    for link in list(tree.iter("a")):
        parent = link.getparent()
        if parent is None or parent.tag not in _TEXT_BLOCKS or len(link) or (link.text or "").strip():
            continue
        if _words(parent.text_content()) < MIN_HEADING_WORDS:
            continue
        link.drop_tag()
        dropped += 1
    return dropped


def prepare(tree: HtmlElement) -> HtmlElement:
    """The three rewrites on a parsed page, in place; returns the tree."""
    drop_empty_links(tree)
    wrap_loose_text(tree)  # first: a link wrapper in loose text is inside a sentence's <p> only after it
    unwrap_sentence_links(tree)
    return tree
