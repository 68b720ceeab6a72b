"""Block Kit for the morning digest: `digest_message(digest, …) -> Message(text, blocks)`. No I/O.

Limits are Slack's: at most 50 blocks, 3,000 characters per section, and about 12,000 characters for the
whole message (`MAX_MESSAGE_CHARS`): a busy week shares that budget out between its sections, so every day
and list keeps its first lines. A list that does not fit ends in "…and N more" rather than being cut
mid-line. Every piece of article or model text is escaped (&, <, >)
so a title like "<!channel>" stays text and can never notify anyone; links go through `mrkdwn.link`.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from bot.pipeline.digest import Digest, DigestEvent, format_digest_text, later_heading
from bot.slack.blocks import (
    MAX_BLOCKS,
    MAX_MESSAGE_CHARS,
    MAX_SECTION,
    MAX_TEXT,
    Message,
    block_chars,
    context,
    divider,
    header,
    section,
)
from bot.slack.mrkdwn import escape, link, truncate

MAX_LINE = 600  # one event or storyline line; keeps one long title from eating a whole section


def day_label(day: dt.date) -> str:
    """'Tue 28 Oct'."""
    return f"{day:%a} {day.day} {day:%b}"


def fit_lines(title: str, lines: list[str], limit: int = MAX_SECTION) -> str:
    """`title` then as many lines as fit in `limit` characters; the rest become '…and N more'."""
    out = [title] if title else []
    used = len(title)
    for i, line in enumerate(lines):
        line = truncate(line, MAX_LINE)
        rest = len(lines) - i - 1
        reserve = len(f"\n…and {rest} more") if rest else 0
        if used + 1 + len(line) + reserve > limit:
            out.append(f"…and {len(lines) - i} more")
            break
        out.append(line)
        used += 1 + len(line)
    return "\n".join(out)


def _sources(event: DigestEvent, permalinks: dict[str, str]) -> str:
    """'<url|site> · <thread|B4>' per source brief: the article, then the brief's thread in Slack."""
    parts = []
    for brief_id, url in zip(event.sources, event.urls, strict=False):
        site = (urlsplit(url).hostname or "source") if url else None
        article = link(url, site.removeprefix("www.")) if site else ""
        thread = link(permalinks[brief_id], brief_id) if permalinks.get(brief_id) else escape(brief_id)
        parts.append(f"{article} ({thread})" if article else thread)
    return " · ".join(parts)


def event_line(event: DigestEvent, permalinks: dict[str, str]) -> str:
    when = ""
    if event.time:
        when = escape(f"{event.time} {event.timezone or ''}".strip()) + " — "
    sources = _sources(event, permalinks)
    return f"• {when}{escape(event.title)}" + (f" — {sources}" if sources else "")


def quiet_message(digest: Digest) -> Message:
    """The one-line digest of a quiet channel."""
    text = f"Quiet week: nothing on the calendar and no storyline news for the week of {day_label(digest.date)}."
    return Message(text=text, blocks=[section(f":zzz: {text}")])


def digest_message(
    digest: Digest, *, intro: str | None = None, permalinks: dict[str, str] | None = None,
    max_chars: int = MAX_MESSAGE_CHARS,
) -> Message:
    """The digest as Block Kit: header, optional 'what to watch' intro, week ahead by day, later,
    storylines, open questions. `permalinks` maps brief ids to their Slack thread links. The blocks carry
    at most `max_chars` characters of text in all."""
    if digest.is_empty:
        return quiet_message(digest)
    links = permalinks or {}
    end = digest.end
    head = [
        header(f"Week ahead — {day_label(digest.date)} {digest.date:%Y}"),
        context(escape(f"{day_label(digest.date)} – {day_label(end)} · dates in {digest.timezone}")),
    ]
    if intro and intro.strip():
        head.append(section(":eyes: *What to watch*\n" + escape(intro.strip())))

    # (divider before it?, title, lines) per section; rendered once the budget per section is known.
    parts: list[tuple[bool, str, list[str]]] = []
    for day in digest.week_ahead:
        parts.append((False, f"*{day_label(day.date)}*", [event_line(e, links) for e in day.events]))
    later: dict[str, list[str]] = {}
    for event in digest.later:
        later.setdefault(later_heading(event, digest.date), []).append(event_line(event, links))
    parts += [(False, f"*{escape(heading)}*", lines) for heading, lines in later.items()]
    if digest.storylines:
        lines = []
        for s in digest.storylines:
            briefs = ", ".join(link(links[b], b) if links.get(b) else escape(b) for b in s.briefs)
            tldr = f" — {escape(s.tldr)}" if s.tldr else ""
            lines.append(f"• *{escape(s.id)} {escape(s.title)}*{tldr}" + (f" ({briefs})" if briefs else ""))
        parts.append((True, "*Storylines that moved*", lines))
    if digest.open_questions:
        lines = [
            f"• {escape(q.text)}" + (f" ({link(links[q.brief], q.brief) if links.get(q.brief) else escape(q.brief)})"
                                     if q.brief else "")
            for q in digest.open_questions
        ]
        parts.append((True, "*Open questions*", lines))

    room = MAX_BLOCKS - len(head) - (1 if digest.week_ahead else 0) - sum(1 for p in parts if p[0])
    hidden = max(0, len(parts) - (room - 1)) if len(parts) > room else 0
    shown = parts[: len(parts) - hidden] if hidden else parts
    overflow = context(f"…and {hidden} more sections (see `briefbot digest`)") if hidden else None
    fixed = sum(map(block_chars, head)) + len("*Week ahead*") + (block_chars(overflow) if overflow else 0)
    budget = max(200, min(MAX_SECTION, (max_chars - fixed) // max(1, len(shown))))

    body: list[dict] = [section("*Week ahead*")] if digest.week_ahead else []
    for rule, title, lines in shown:
        if rule:
            body.append(divider())
        body.append(section(fit_lines(title, lines, budget)))
    if overflow:
        body.append(overflow)
    fallback = truncate(escape(format_digest_text(digest)), MAX_TEXT)
    return Message(text=fallback, blocks=head + body)
