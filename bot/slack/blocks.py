"""Pure Block Kit builders: stored records in, `Message(text, blocks)` out. No I/O, no Slack client.

Every piece of article, model or user text goes through `mrkdwn.escape` (or `mrkdwn.link` for labels),
every section is cut to Slack's 3,000 characters and every message to 50 blocks with "…", and every
message carries a plain-text `text` fallback for notifications and screen readers.

Layout of this file: shared helpers, then one section per message kind (brief, notices, answers,
storylines and week, help, App Home). The digest's builders are in `digest_blocks.py`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from bot.pipeline.briefs import points_besides_tldr, when_label
from bot.pipeline.language import language_note
from bot.slack.mrkdwn import escape, link, one_line, truncate

MAX_BLOCKS = 50  # per message
MAX_VIEW_BLOCKS = 100  # per App Home view
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_TEXT = 3000  # the fallback text; Slack allows more, notifications show far less
MAX_CONTEXT_ELEMENTS = 10
# The text of all of a message's blocks together: Slack refuses a message with `msg_blocks_too_long` from
# about 13k characters although every block is within its own limit; 12k leaves room for its counting.
MAX_MESSAGE_CHARS = 12_000

# action_ids: the listeners in bot/slack/listeners/actions.py register exactly these.
WRONG_STORYLINE = "wrong_storyline"
RESOLVE_STORYLINE = "resolve_storyline"
RETRY_WITH_AI = "retry_ai"
ACTION_IDS = (WRONG_STORYLINE, RESOLVE_STORYLINE, RETRY_WITH_AI)


@dataclass(frozen=True)
class Message:
    """What `chat.postMessage` needs besides the channel: fallback text and blocks."""

    text: str
    blocks: list[dict] = field(default_factory=list)


# -- shared helpers ---------------------------------------------------------------------------------


def header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(escape(text) or " ", MAX_HEADER)}}


def section(mrkdwn_text: str) -> dict:
    """A mrkdwn section; the caller has already escaped the text."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(mrkdwn_text or " ", MAX_SECTION)}}


def context(*parts: str) -> dict:
    items = [p for p in parts if p][:MAX_CONTEXT_ELEMENTS] or [" "]
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(p, MAX_SECTION)} for p in items]}


def divider() -> dict:
    return {"type": "divider"}


def button(text: str, action_id: str, value: dict, style: str | None = None) -> dict:
    out = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(escape(text), 75)},
        "action_id": action_id,
        "value": json.dumps(value)[:2000],
    }
    if style:
        out["style"] = style
    return out


def bullets(items: list[str], limit: int = MAX_SECTION) -> str:
    return truncate("\n".join(f"• {escape(i)}" for i in items), limit)


def block_chars(block: dict) -> int:
    """The characters of text a block carries (its text, fields, context elements and button labels),
    which is what Slack's whole-message limit counts."""
    total = 0
    text = block.get("text")
    if isinstance(text, dict):
        total += len(text.get("text") or "")
    for item in (block.get("fields") or []) + (block.get("elements") or []):
        if isinstance(item, dict):
            inner = item.get("text")
            total += len(inner.get("text") or "") if isinstance(inner, dict) else len(inner or "")
    return total


def fit(blocks: list[dict], limit: int = MAX_BLOCKS, chars: int = MAX_MESSAGE_CHARS) -> list[dict]:
    """At most `limit` blocks carrying at most `chars` characters of text; when cut, the last one says so."""
    more = context("… (more not shown)")
    if len(blocks) <= limit and sum(map(block_chars, blocks)) <= chars:
        return blocks
    kept: list[dict] = []
    used = block_chars(more)
    for block in blocks[: limit - 1]:
        used += block_chars(block)
        if used > chars:
            break
        kept.append(block)
    return [*kept, more]


def message(text: str, blocks: list[dict]) -> Message:
    """`text` is plain (unescaped): Slack reads the fallback as mrkdwn too, so it is escaped here."""
    return Message(text=truncate(escape(" ".join(text.split())) or " ", MAX_TEXT), blocks=fit(blocks))


# -- brief ------------------------------------------------------------------------------------------


def brief_message(record: dict, *, offer_ai_retry: bool = False) -> Message:
    """A stored brief (`Store.get_brief`) as a thread reply.

    Header; TL;DR; key points; events with weekday and date; storylines; source, author and date in a
    context block; buttons for storyline feedback, and "Retry with AI" when `offer_ai_retry` (a
    fallback brief written without the model).
    """
    title = record.get("title") or record.get("url") or "Brief"
    blocks: list[dict] = [header(title), section(f"*TL;DR* {escape(record['tldr'])}")]
    points = points_besides_tldr(record)
    if points:
        blocks.append(section("*Key points*\n" + bullets(points, MAX_SECTION - 20)))
    events = record.get("events") or []
    if events:
        lines = [
            f"• *{escape(when_label(e['date'], e['precision'], e.get('time'), e.get('timezone')))}* — "
            f"{escape(e['title'])}"
            for e in events
        ]
        blocks.append(section(truncate("*Events*\n" + "\n".join(lines), MAX_SECTION)))
    storylines = record.get("storylines") or []
    if storylines:
        blocks.append(section("*Storylines* " + ", ".join(
            f"`{s['id']}` {escape(s['title'])}" + (" (resolved)" if s.get("status") == "resolved" else "")
            for s in storylines
        )))
    source = record.get("site") or _host(record.get("url"))
    blocks.append(context(
        link(record.get("url"), source or record.get("url")) if record.get("url") else escape(source or "pasted text"),
        escape(record.get("author") or ""),
        escape(record.get("published") or (record.get("created_at") or "")[:10]),
        f"`{record['id']}` · {escape(record.get('backend') or '')}",
        escape(language_note(record.get("language"), record.get("backend") or "") or ""),
    ))
    buttons = []
    first_open = next((s for s in storylines if s.get("status") == "open"), None)
    if first_open:
        ref = {"brief": record["id"], "storyline": first_open["id"]}
        buttons.append(button("Wrong storyline", WRONG_STORYLINE, ref))
        buttons.append(button("Resolve storyline", RESOLVE_STORYLINE, ref))
    if offer_ai_retry:
        buttons.append(button("Retry with AI", RETRY_WITH_AI, {"brief": record["id"]}, style="primary"))
    if buttons:
        blocks.append({"type": "actions", "block_id": f"brief_{record['id']}", "elements": buttons})
    text = f"{record['id']}: {title} — {record['tldr']}"
    return message(text, blocks)


def _host(url: str | None) -> str | None:
    if not url:
        return None
    from urllib.parse import urlsplit

    return urlsplit(url).hostname


# -- notices ----------------------------------------------------------------------------------------


def notice(text: str, emoji: str = ":warning:") -> Message:
    """A one-line message (failure reason, skipped links); `text` is plain and gets escaped here."""
    body = one_line(text, 2900)
    return message(body, [section(f"{emoji} {escape(body)}")])


def skipped_links_notice(urls: list[str], limit: int) -> Message:
    names = ", ".join(link(u, u) for u in urls)
    plain = f"Only the first {limit} links of a message are briefed; skipped: {', '.join(urls)}"
    return message(plain, [section(truncate(f":information_source: Only the first {limit} links of a message "
                                            f"are briefed; skipped: {names}", MAX_SECTION))])


# -- answers ----------------------------------------------------------------------------------------


MAX_QUOTE = 300


def answer_message(answer, permalinks: dict[str, str] | None = None) -> Message:
    """A cited answer (`bot.pipeline.models.Answer`): the text, then a context block with one line per
    citation linking the source URL and the brief's thread (permalink), each followed by the quoted
    sentence that supports it, escaped like all article text."""
    permalinks = permalinks or {}
    blocks = [section(escape(answer.body))]
    lines = []
    for c in answer.citations:
        source = link(c.url, c.title or c.url) if c.url else escape(c.title or "pasted text")
        brief = link(permalinks.get(c.brief), c.brief) if permalinks.get(c.brief) else f"`{escape(c.brief)}`"
        lines.append(f"[{c.n}] {source} · {brief}")
        if getattr(c, "passage", ""):
            lines.append(f"↳ “{escape(truncate(c.passage, MAX_QUOTE))}”")  # the sentence that supports it
    if lines:
        blocks.append(context(truncate("\n".join(lines), MAX_SECTION)))
    sources = "; ".join(f"[{c.n}] {c.title or c.url or c.brief}" for c in answer.citations)
    text = f"{answer.body} (Sources: {sources})" if sources else answer.body
    return message(text, blocks)


# -- storylines and the week ahead ------------------------------------------------------------------


def storylines_lines(rows: list[dict]) -> str:
    if not rows:
        return "_No open storylines yet._"
    return truncate("\n".join(
        f"• `{r['id']}` *{escape(r['title'])}* — {r.get('briefs', 0)} briefs, updated {escape((r.get('updated_at') or '')[:10])}"
        for r in rows
    ), MAX_SECTION)


def storylines_message(rows: list[dict]) -> Message:
    text = "Open storylines: " + (", ".join(f"{r['id']} {r['title']}" for r in rows) or "none yet")
    return message(text, [section("*Open storylines*\n" + storylines_lines(rows))])


def week_lines(events: list[dict]) -> str:
    if not events:
        return "_Nothing dated in the briefs for the next seven days._"
    return truncate("\n".join(
        f"• *{escape(when_label(e['date'], e['precision'], e.get('time'), e.get('timezone')))}* — "
        f"{escape(e['title'])} (`{e['brief_id']}`)"
        for e in events
    ), MAX_SECTION)


def week_message(events: list[dict]) -> Message:
    text = "The week ahead: " + ("; ".join(f"{e['date']} {e['title']}" for e in events) or "nothing dated")
    return message(text, [section("*The week ahead*\n" + week_lines(events))])


# -- help -------------------------------------------------------------------------------------------

HELP_TEXT = (
    "*briefbot* briefs the articles linked in channels it is in, and answers questions from those briefs.\n"
    "• Post a link in a channel with me in it → a brief in the thread.\n"
    "• `@briefbot <question>` or a DM → an answer citing the briefs.\n"
    "• `@briefbot digest` · `storylines` · `week` · `help`\n"
    "• `/brief <url>` · `/brief digest` · `/brief storylines` · `/brief help`\n"
    "• Message shortcut *Brief this* → brief a message's links, or its own text when it has none "
    "(paste a paywalled article's text into a message and use it)."
)


def help_message() -> Message:
    return message(HELP_TEXT.replace("*", ""), [section(HELP_TEXT)])


# -- App Home ---------------------------------------------------------------------------------------


def home_view(storylines: list[dict], events: list[dict], schedules: list[dict]) -> dict:
    """The App Home tab: open storylines with their last update, the week ahead, digest schedules."""
    if schedules:
        sched = "\n".join(
            f"• <#{escape(s['channel'])}> at {escape(s.get('time') or '')} {escape(s.get('timezone') or '')}"
            f" on {escape(s.get('days') or '')}" + ("" if s.get("enabled", 1) else " (paused)")
            for s in schedules
        )
    else:
        sched = "_No digest schedules in this workspace._"
    blocks = [
        header("briefbot"),
        section("*Open storylines*\n" + storylines_lines(storylines)),
        divider(),
        section("*The week ahead*\n" + week_lines(events)),
        divider(),
        section("*Digest schedules*\n" + truncate(sched, MAX_SECTION)),
        context("Post a link in a channel with me in it, or `/brief help`."),
    ]
    return {"type": "home", "blocks": fit(blocks, MAX_VIEW_BLOCKS)}
