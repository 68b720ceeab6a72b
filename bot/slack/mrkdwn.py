"""Slack mrkdwn that cannot ping anyone: escaping, safe links and cutting to Slack's limits.

Slack only turns `<!channel>`, `<!here>`, `<@U…>` into mentions when they arrive as raw angle brackets.
Escaping `&`, `<` and `>` in every piece of article or model text makes such sequences plain text, so
an article (or a model that repeats one) can never notify a channel.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

ELLIPSIS = "…"


def escape(text: str | None) -> str:
    """Escape the three characters Slack treats as control characters in mrkdwn and plain_text."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str | None) -> str:
    """Undo Slack's escaping of message text (URLs arrive as `&amp;` inside `<…>`)."""
    if not text:
        return ""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def safe_url(url: str | None) -> str | None:
    """An http(s) URL made safe to put inside `<…|…>`, or None for anything else (javascript:, mailto:)."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    # `|`, `<`, `>` and whitespace would end or split the link; percent-encode them, keep everything else.
    return quote(url, safe="/:?#[]@!$&'()*+,;=%~-._")


def link(url: str | None, label: str | None = None) -> str:
    """`<url|label>` with the label escaped; just the escaped label (or nothing) when the URL is unsafe."""
    target = safe_url(url)
    text = escape(label or "").replace("|", "∣")  # a `|` in the label would be read as the separator
    if target is None:
        return text
    if not text:
        return f"<{target}>"
    return f"<{target}|{text}>"


def truncate(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters, ending with "…" when cut. Never splits an escape."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:  # do not leave half of `&amp;` behind
        cut = cut[:amp]
    bracket = cut.rfind("<")
    if bracket != -1 and ">" not in cut[bracket:]:  # nor half of a `<url|label>` link
        cut = cut[:bracket]
    return cut.rstrip() + ELLIPSIS


def one_line(text: str, limit: int = 300) -> str:
    """Collapse whitespace, for reasons and fallbacks that must stay on one line."""
    return truncate(" ".join(str(text).split()), limit)
