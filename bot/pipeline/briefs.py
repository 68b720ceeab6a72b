"""The brief as data: rows for the store, the JSON contract, and the plain-text rendering.

The JSON shape is a contract read by other issues and outside checks:
{"id","url","title","source","published","language","tldr","key_points","open_questions",
 "storylines":[{"id","title"}],"events":[{"title","date","precision","time","timezone","evidence"}],"entities",
 "backend"}
`language` is the ISO 639-1 code the text was detected in ("und" when it could not be told).
Keys are never missing; lists may be empty.
"""

from __future__ import annotations

import datetime as dt

from bot.pipeline.language import UNDETERMINED, language_note
from bot.pipeline.models import EVENT_FIELDS, BriefDraft
from bot.pipeline.zones import short_zone


def draft_row(draft: BriefDraft) -> dict:
    return {
        "tldr": draft.tldr,
        "key_points": list(draft.key_points),
        "open_questions": list(draft.open_questions),
        "entities": list(draft.entities),
        "backend": draft.backend,
        "model": draft.usage.model,
        "prompt_tokens": draft.usage.prompt_tokens,
        "completion_tokens": draft.usage.completion_tokens,
        "cached_tokens": draft.usage.cached_tokens,
        "notes": list(draft.notes),
    }


def brief_json(record: dict) -> dict:
    """The contract JSON of a stored brief (`Store.get_brief` output)."""
    return {
        "id": record["id"],
        "url": record.get("url"),
        "title": record.get("title") or "",
        "source": record.get("site") or _host(record.get("url")),
        "published": record.get("published"),
        "language": record.get("language") or UNDETERMINED,
        "tldr": record["tldr"],
        "key_points": list(record.get("key_points") or []),
        "open_questions": list(record.get("open_questions") or []),
        "storylines": [{"id": s["id"], "title": s["title"]} for s in record.get("storylines") or []],
        "events": [
            {k: e.get(k) for k in EVENT_FIELDS}
            for e in record.get("events") or []
        ],
        "entities": list(record.get("entities") or []),
        "backend": record["backend"],
    }


def _host(url: str | None) -> str | None:
    if not url:
        return None
    from urllib.parse import urlsplit

    return urlsplit(url).hostname


def points_besides_tldr(record: dict) -> list[str]:
    """Key points to show under the TL;DR: the summary's lead sentence is often the TL;DR itself, and
    readers should not see it twice. The JSON keeps every key point (the summary as written)."""
    tldr = " ".join((record.get("tldr") or "").split()).rstrip("…").casefold()
    return [p for p in record.get("key_points") or [] if not tldr or not " ".join(p.split()).casefold().startswith(tldr)]


def when_label(date_iso: str, precision: str, time: str | None = None, timezone: str | None = None) -> str:
    """'Wed 29 Oct', 'week of 3 Nov', 'November 2025'; with ' 14:00 ET' when a time is known."""
    day = dt.date.fromisoformat(date_iso)
    if precision == "week":
        label = f"week of {day.day} {day:%b}"
    elif precision == "month":
        label = f"{day:%B %Y}"
    else:
        label = f"{day:%a} {day.day} {day:%b}"
    if time:
        label += f" {time}" + (f" {short_zone(day, time, timezone)}" if timezone else "")
    return label


def format_brief_text(record: dict) -> str:
    """Readable plain text for the CLI."""
    data = brief_json(record)
    lines = [f"{data['id']}  {data['title'] or '(untitled)'}"]
    meta = [x for x in (data["source"], record.get("author"), data["published"]) if x]
    if meta:
        lines.append("    " + " · ".join(meta))
    if data["url"]:
        lines.append(f"    {data['url']}")
    lines.append("")
    note = language_note(data["language"], data["backend"])
    if note:
        lines.append(f"Note: {note}")
    lines.append(f"TL;DR: {data['tldr']}")
    points = points_besides_tldr(record)
    if points:
        lines.append("Key points:")
        lines += [f"  • {p}" for p in points]
    if data["open_questions"]:
        lines.append("Open questions:")
        lines += [f"  ? {q}" for q in data["open_questions"]]
    if data["events"]:
        lines.append("Events:")
        for e in data["events"]:
            lines.append(f"  {when_label(e['date'], e['precision'], e['time'], e['timezone'])} — {e['title']}")
    if data["storylines"]:
        lines.append("Storylines: " + ", ".join(f"{s['id']} {s['title']}" for s in data["storylines"]))
    lines.append(f"[{data['backend']}]")
    return "\n".join(lines)
