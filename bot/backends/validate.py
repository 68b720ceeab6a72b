"""What the model may return, and the checks that keep anything unsupported out of a brief.

The response schemas are pydantic models sent as Structured Outputs, kept loose on purpose (dates and
precisions are plain strings): one bad event then costs that event, not the whole brief. Every item is
then checked against the article: an evidence quote must occur in it (after normalising whitespace and
quote marks), a date must be ISO and inside the article's horizon, a storyline id must be one we offered.
What fails is dropped and written to the brief's notes. Where the embedded tagger reads the evidence
sentence as a different date, the model's date is kept only if the sentence writes it out.

No openai import here: the checks are plain Python over plain values, testable without a client.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel

from bot.errors import BackendError
from bot.pipeline.citations import cite
from bot.pipeline.models import (
    NO_ANSWER,
    Answer,
    Article,
    BriefContext,
    BriefDraft,
    Event,
    Passage,
    StorylineAssignment,
    StorylineRef,
    Usage,
)
from bot.pipeline.periods import HORIZON_DAYS, PRECISIONS, anchor, mention_period, period_of
from bot.pipeline.sentences import split_sentences
from bot.pipeline.timex import find_times

HORIZON_PAST_DAYS = 7  # a "this week" event may sit on the Monday before the reference date
MAX_KEY_POINTS = 6
MAX_QUESTIONS = 4
MAX_ENTITIES = 15
MAX_NEW_STORYLINES = 2
MIN_QUOTE_CHARS = 12


# ---------------------------------------------------------------------------------------------- schemas


class EventOut(BaseModel):
    title: str
    date: str
    precision: str
    time: str | None
    timezone: str | None
    evidence: str


class StorylinesOut(BaseModel):
    existing_ids: list[str]
    new_titles: list[str]


class BriefOut(BaseModel):
    tldr: str
    key_points: list[str]
    open_questions: list[str]
    entities: list[str]
    storylines: StorylinesOut
    events: list[EventOut]


class AnswerOut(BaseModel):
    answer: str


class IntroOut(BaseModel):
    intro: str


# ---------------------------------------------------------------------------------------------- text

_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
        "\u00a0": " ", "\u2009": " ", "\u202f": " ",
    }
)


def normalise(text: str) -> str:
    """Whitespace collapsed and curly/angled quote marks made straight, for comparing quotes."""
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip()


def _quote_core(quote: str) -> str:
    return normalise(quote).strip(" \"'").casefold()


def quote_occurs(quote: str, text: str) -> bool:
    """True when `quote` (long enough to mean something) occurs in `text` once both are normalised."""
    core = _quote_core(quote)
    return len(core) >= MIN_QUOTE_CHARS and core in normalise(text).casefold()


def evidence_sentence(quote: str, text: str) -> str:
    """The article sentence that holds `quote` (or the quote itself when it spans sentences)."""
    core = _quote_core(quote)
    for sentence in split_sentences(text):
        if core in normalise(sentence.text).casefold():
            return sentence.text
    return normalise(quote)


def _clean(text: str, limit: int = 600) -> str:
    text = normalise(text or "")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _clean_list(items: list[str], limit: int, item_chars: int = 400) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        text = _clean(item, item_chars)
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            out.append(text)
    return out[:limit]


# ---------------------------------------------------------------------------------------------- dates

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_HHMM = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)(?::[0-5]\d)?")
_MONTH_NAMES = {
    1: ("January", "Jan"), 2: ("February", "Feb"), 3: ("March", "Mar"), 4: ("April", "Apr"), 5: ("May", "May"),
    6: ("June", "Jun"), 7: ("July", "Jul"), 8: ("August", "Aug"), 9: ("September", "Sept", "Sep"),
    10: ("October", "Oct"), 11: ("November", "Nov"), 12: ("December", "Dec"),
}


def tagger_spans(sentence: str, ref: dt.date) -> list[tuple[dt.date, str]]:
    """Calendar dates (date, precision) the embedded tagger reads in one sentence."""
    out: list[tuple[dt.date, str]] = []
    for mention in find_times(sentence, ref):
        period = mention_period(mention.value)
        if period is None:
            continue
        item = (period[1], period[0])
        if item not in out:
            out.append(item)
    return out


def sentence_writes(sentence: str, date: dt.date, precision: str, ref: dt.date) -> bool:
    """True when the sentence spells the date out ("Oct. 29", "29 October", "2025-10-29", "in December").

    A month and day without a year support the date only when it is their next occurrence around the
    reference date, so a model cannot move a written "Nov. 3" a year on.
    """
    if date.isoformat() in sentence:
        return True
    if precision not in ("day", "month"):
        return False
    names = "|".join(_MONTH_NAMES[date.month])
    years = {int(y) for y in re.findall(r"\b(?:19|20)\d\d\b", sentence)}
    if years and date.year not in years:
        return False
    if not years and date != _next_occurrence(date, precision, ref):
        return False
    if precision == "month":
        return re.search(rf"\b(?:{names})\b", sentence) is not None
    day = rf"0?{date.day}(?:st|nd|rd|th)?"
    return bool(
        re.search(rf"\b(?:{names})\.?,?\s+{day}\b", sentence)
        or re.search(rf"\b{day}\s+(?:of\s+)?(?:{names})\b", sentence)
    )


# ---------------------------------------------------------------------------------------------- briefs


def check_event(item: EventOut, article_text: str, ref: dt.date, notes: list[str]) -> Event | None:
    """One model event, checked; None (with a note) when it cannot be kept."""
    title = _clean(item.title, 120)
    if not title:
        notes.append("dropped an event without a title")
        return None
    if not quote_occurs(item.evidence, article_text):
        notes.append(f"dropped event {title!r}: its evidence quote is not in the article")
        return None
    raw_date = (item.date or "").strip()
    try:
        if not _ISO_DAY.fullmatch(raw_date):
            raise ValueError(raw_date)
        date = dt.date.fromisoformat(raw_date)
    except ValueError:
        notes.append(f"dropped event {title!r}: date {raw_date!r} is not an ISO date")
        return None
    precision = (item.precision or "").strip().lower()
    if precision not in PRECISIONS:
        notes.append(f"dropped event {title!r}: precision {item.precision!r} is not day, week or month")
        return None
    date = anchor(date, precision)
    first, last = period_of(date, precision)
    low, high = ref - dt.timedelta(days=HORIZON_PAST_DAYS), ref + dt.timedelta(days=HORIZON_DAYS)
    if last < low or first > high:
        notes.append(f"dropped event {title!r}: {date.isoformat()} is outside the article's horizon "
                     f"({low.isoformat()} to {high.isoformat()})")
        return None

    sentence = evidence_sentence(item.evidence, article_text)
    tagged = tagger_spans(sentence, ref)
    overlaps = [t for t in tagged if _overlap(period_of(*t), (first, last))]
    if tagged and not overlaps:
        theirs = ", ".join(f"{d.isoformat()} ({p})" for d, p in tagged)
        if sentence_writes(sentence, date, precision, ref):
            notes.append(f"date disagreement on {title!r}: model {date.isoformat()}, tagger {theirs}; "
                         "kept the model's date, which the sentence writes out")
        elif len(tagged) == 1:
            notes.append(f"date disagreement on {title!r}: model {date.isoformat()}, tagger {theirs}; "
                         "used the tagger's date, the sentence does not support the model's")
            date, precision = tagged[0]
        else:
            notes.append(f"dropped event {title!r}: model date {date.isoformat()} is not what the sentence "
                         f"says (tagger: {theirs})")
            return None

    time = None
    if item.time and item.time.strip():
        m = _HHMM.fullmatch(item.time.strip())
        if m and precision == "day":
            time = f"{int(m.group(1)):02d}:{m.group(2)}"
        else:
            notes.append(f"event {title!r}: dropped time {item.time!r}")
    timezone = (_clean(item.timezone or "", 40) or None) if time else None
    return Event(title=title, date=date, precision=precision, time=time, timezone=timezone,
                 evidence=normalise(item.evidence).strip())


def _next_occurrence(date: dt.date, precision: str, ref: dt.date) -> dt.date:
    """The first date with this month (and day) whose span has not ended before the horizon opens."""
    low = ref - dt.timedelta(days=HORIZON_PAST_DAYS)
    for year in (low.year, low.year + 1):
        try:
            candidate = date.replace(year=year)
        except ValueError:  # 29 February
            continue
        if period_of(candidate, precision)[1] >= low:
            return candidate
    return date


def _overlap(a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def check_storylines(out: StorylinesOut, offered: list[StorylineRef], notes: list[str]) -> StorylineAssignment:
    by_id = {s.id.strip().upper(): s.id for s in offered}
    by_title = {normalise(s.title).casefold(): s.id for s in offered}
    existing: list[str] = []
    for raw in out.existing_ids:
        key = (raw or "").strip().upper()
        if key in by_id:
            if by_id[key] not in existing:
                existing.append(by_id[key])
        else:
            notes.append(f"dropped unknown storyline id {raw!r}")
    new_titles: list[str] = []
    for raw in out.new_titles:
        title = _clean(raw, 80)
        if not title:
            continue
        if title.upper() in by_id or title.casefold() in by_title:  # the model named an open storyline
            sid = by_id.get(title.upper()) or by_title[title.casefold()]
            if sid not in existing:
                existing.append(sid)
        elif re.fullmatch(r"S\d+", title.upper()):
            notes.append(f"dropped unknown storyline id {raw!r}")
        elif title.casefold() not in (t.casefold() for t in new_titles):
            new_titles.append(title)
    if len(new_titles) > MAX_NEW_STORYLINES:
        notes.append(f"kept {MAX_NEW_STORYLINES} of {len(new_titles)} new storyline titles")
        new_titles = new_titles[:MAX_NEW_STORYLINES]
    return StorylineAssignment(existing=existing, new_titles=new_titles)


def check_brief(out: BriefOut, article: Article, ctx: BriefContext, *, backend: str, usage: Usage) -> BriefDraft:
    """The draft that survives the checks. Raises `BackendError` when nothing usable is left."""
    notes: list[str] = []
    tldr = _clean(out.tldr)
    if not tldr:
        raise BackendError("the model returned an empty TL;DR")
    events: list[Event] = []
    seen: set[tuple[str, dt.date]] = set()
    for item in out.events:
        event = check_event(item, article.text, ctx.ref_date, notes)
        if event is not None and (event.title.casefold(), event.date) not in seen:
            seen.add((event.title.casefold(), event.date))
            events.append(event)
    events.sort(key=lambda e: (e.date, e.time or ""))
    return BriefDraft(
        tldr=tldr,
        key_points=_clean_list(out.key_points, MAX_KEY_POINTS),
        open_questions=_clean_list(out.open_questions, MAX_QUESTIONS),
        entities=_clean_list(out.entities, MAX_ENTITIES, 80),
        events=events,
        storylines=check_storylines(out.storylines, ctx.open_storylines, notes),
        backend=backend,
        usage=usage,
        notes=notes,
    )


# ---------------------------------------------------------------------------------------------- answers

_CITE = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")


def check_answer(text: str, passages: list[Passage], *, backend: str) -> tuple[Answer, list[str]]:
    """Keep citations that point at a passage, remove the rest; no valid citation means no answer."""
    notes: list[str] = []
    cited: list[int] = []

    def fix(m: re.Match) -> str:
        numbers = [int(x) for x in re.split(r"\s*[,;]\s*", m.group(1))]
        good = [n for n in numbers if 1 <= n <= len(passages)]
        for n in numbers:
            if n not in good:
                notes.append(f"removed citation [{n}]: there are {len(passages)} passages")
        for n in good:
            if n not in cited:
                cited.append(n)
        return " " + "".join(f"[{n}]" for n in good) if good else ""

    cleaned = _CITE.sub(fix, normalise(text or ""))
    cleaned = re.sub(r"\s+([.,;:!?])", r"\1", cleaned).strip()
    if not cited or not re.search(r"\w", _CITE.sub("", cleaned)):
        return Answer(answer=NO_ANSWER, citations=[], backend=backend), notes
    return Answer(answer=cleaned, citations=cite(passages, cited), backend=backend), notes


# ---------------------------------------------------------------------------------------------- digest intro

MAX_INTRO_WORDS = 90
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Words that may open a sentence without appearing in the events (capitalised only by position).
_STARTERS = frozenset(
    """a also and another after all as at attention before beyond both but by central early elsewhere
    expect eyes finally first for from further in it it's its later look markets meanwhile most much next
    on one plus policy policymakers the then there these this those traders two three investors watch
    week while with""".split()
)


def _intro_vocabulary(events: list[Event]) -> tuple[set[str], set[str], set[str]]:
    words: set[str] = set()
    numbers: set[str] = set()
    calendar: set[str] = set()
    for e in events:
        text = " ".join(filter(None, [e.title, e.evidence, e.time, e.timezone]))
        words |= {w.casefold() for w in re.findall(r"[^\W\d_][\w'’.-]*", text)}
        words |= {w.casefold().strip(".'’") for w in re.findall(r"[^\W\d_][\w'’.-]*", text)}
        numbers |= set(re.findall(r"\d+(?:[.:]\d+)?", text))
        first, last = period_of(e.date, e.precision)
        day = first
        while day <= last:
            calendar.add(_WEEKDAYS[day.weekday()].casefold())
            calendar |= {n.casefold() for n in _MONTH_NAMES[day.month]}
            numbers |= {str(day.day), str(day.year)}
            day += dt.timedelta(days=1)
        if e.time:
            h, mnt = e.time.split(":")
            numbers |= {str(int(h)), str(int(h) % 12 or 12), mnt, e.time}
    return words, numbers, calendar


def check_intro(text: str, events: list[Event]) -> tuple[str | None, list[str]]:
    """The intro, or None when it is empty, too long, or names anything the events do not."""
    intro = normalise(text or "")
    if not intro or not events:
        return None, []
    if len(intro.split()) > MAX_INTRO_WORDS:
        return None, [f"dropped the digest intro: {len(intro.split())} words is too long"]
    words, numbers, calendar = _intro_vocabulary(events)
    month_words = {n.casefold() for names in _MONTH_NAMES.values() for n in names}
    day_words = {d.casefold() for d in _WEEKDAYS}
    unknown: list[str] = []
    for sentence in split_sentences(intro):
        for i, m in enumerate(re.finditer(r"[^\W\d_][\w'’.-]*|\d+(?:[.:]\d+)?", sentence.text)):
            token = m.group(0).rstrip(".")
            key = re.sub(r"['’]s$", "", token).casefold()
            if token[0].isdigit():
                if token not in numbers:
                    unknown.append(token)
            elif key in day_words or key in month_words:
                if key not in calendar and key not in words:
                    unknown.append(token)
            elif token[0].isupper() and key not in words and not (i == 0 and key in _STARTERS):
                unknown.append(token)
    if unknown:
        return None, [f"dropped the digest intro: it names {', '.join(dict.fromkeys(unknown))}, "
                      "which the week's events do not"]
    return intro, []
