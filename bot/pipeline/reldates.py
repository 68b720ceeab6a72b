"""Relative days made absolute in quoted text: "on Sunday" becomes "on Sunday (2 Nov 2025)".

An answer quotes sentences from briefs that may be months old; read today, "on Sunday" or "next
Tuesday" points at the wrong day. The day is resolved against the brief's publication date with the
same tense-aware rules as the events (`timex.find_times`), and the date is written after the words,
which stay as the article had them.
"""

from __future__ import annotations

import datetime as dt
import re

from bot.pipeline.timex import find_times

_RELATIVE = re.compile(
    r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b(?:today|tonight|tomorrow|yesterday)\b",
    re.IGNORECASE,
)
_HAS_EXPLICIT = re.compile(r"\d")  # "Tuesday, Nov. 5" already names its date


def annotate_relative_days(text: str, ref: dt.date | None) -> str:
    """`text` with each relative day followed by its date in brackets; unchanged without a reference."""
    if ref is None or not text or not _RELATIVE.search(text):
        return text
    out: list[str] = []
    last = 0
    for m in find_times(text, ref):
        if not _RELATIVE.search(m.text) or _HAS_EXPLICIT.search(m.text.split(" at ")[0]):
            continue
        day = _date_of(m.value)
        if day is None:
            continue
        end = m.start + len(re.split(r"\s+at\s+|\s*,", m.text)[0])  # "next Tuesday at 2 p.m." -> after "Tuesday"
        if text[end:end + 2] in ("'s", "’s"):
            end += 2  # "Thursday's (14 Nov 2019) fight"
        tail = text[end:end + 20]
        if re.match(r"\s*\(\d", tail) or re.match(r",?\s+(?:[A-Z][a-z]{2,8}\.?\s+)?\d{1,2}\b(?!:|\s*[ap]\.?m)", tail):
            continue  # already dated: "Sunday (2 Nov)", "Tuesday, Nov. 5"
        out.append(text[last:end] + f" ({_label(day)})")
        last = end
    out.append(text[last:])
    return "".join(out)


def _date_of(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _label(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"
