"""Links in a Slack message: from `<url>` / `<url|label>` markup in the text and rich_text link elements.

Slack wraps every URL a person types in angle brackets, so bare text is never scanned: the same string
in a code block is not a link. User, channel and special mentions (`<@U…>`, `<#C…>`, `<!here>`) and
non-web schemes (mailto:, tel:) are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.slack.mrkdwn import unescape

_MARKUP = re.compile(r"<([^<>|\s]+)(?:\|[^<>]*)?>")
_WEB = re.compile(r"^https?://[^\s/?#]+", re.IGNORECASE)


def links_in_text(text: str | None) -> list[str]:
    """URLs from Slack's `<url>` and `<url|label>` markup, in order of appearance."""
    out: list[str] = []
    for match in _MARKUP.finditer(text or ""):
        url = unescape(match.group(1))
        if _WEB.match(url):
            out.append(url)
    return out


def links_in_blocks(blocks: Iterable[dict] | None) -> list[str]:
    """URLs of `link` elements anywhere inside rich_text blocks."""
    out: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") == "link" and isinstance(node.get("url"), str) and _WEB.match(node["url"]):
                out.append(node["url"])
            for value in node.values():
                if isinstance(value, list | dict):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for block in blocks or []:
        if isinstance(block, dict) and block.get("type") == "rich_text":
            walk(block.get("elements") or [])
    return out


def extract_links(text: str | None, blocks: Iterable[dict] | None = None) -> list[str]:
    """Every distinct web link of a message, text first then rich_text, first occurrence wins."""
    seen: set[str] = set()
    out: list[str] = []
    for url in [*links_in_text(text), *links_in_blocks(blocks)]:
        key = url.rstrip("/")
        if key not in seen:
            seen.add(key)
            out.append(url)
    return out


def strip_markup(text: str | None) -> str:
    """Message text as a person reads it: `<url|label>` → label, `<url>` → url, mentions removed."""
    def repl(match: re.Match) -> str:
        inner = match.group(0)[1:-1]
        target, _, label = inner.partition("|")
        if target.startswith(("@", "!", "#")):
            return "" if target.startswith("@") else (label or "")
        return label or target

    return unescape(re.sub(r"<[^<>]+>", repl, text or "")).strip()
