"""A question in, a cited answer out: the one path the CLI, Slack and the demo share.

Two routes:
- questions about what is coming ("what's on this week?", "when is the BoJ decision?") are answered
  from the events table, with dates ("Thu 30 Oct"), citing the briefs each event came from; an event
  question whose topic matches no event falls back to the passage route;
- every other question: `retrieve` (FTS5, scoped) → numbered passages → `backend.answer`, so the
  embedded extractive answer and a model backend answer from exactly the same passages.

Both routes read only what the conversation may see (`visible_scope`). Bad input never raises past
`InputError`: an empty question is refused, a long one is cut, FTS syntax is neutralised in retrieval.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.errors import InputError
from bot.pipeline.briefs import when_label
from bot.pipeline.citations import renumbered, with_sources
from bot.pipeline.embeddings import embedder_of, fusion_weight, question_vector
from bot.pipeline.events import merge_events
from bot.pipeline.institutions import INSTITUTIONS
from bot.pipeline.models import NO_ANSWER, Answer, Citation, Event
from bot.pipeline.retrieve import MAX_TERMS, content_terms, retrieve, stem

MAX_QUESTION_CHARS = 2000  # longer questions are cut; retrieval caps its terms anyway
MAX_EVENTS = 10
DEFAULT_HORIZON_DAYS = 60

_EVENT_CUES = re.compile(
    r"\b(?:what(?:'|’)?s|what\s+is|anything|is\s+there\s+anything)\s+(?:on|coming|happening|ahead|scheduled|planned|due)\b"
    r"|\bcoming\s+up\b|\bupcoming\b|\bweek\s+ahead\b|\b(?:this|next)\s+(?:week|month)\b"
    r"|^\s*when\b(?!\s+(?:did|was|were|had|has)\b)|\bwhen\s+(?:is|are|will|does|do)\b|\bwhen(?:'|’)s\b"
    r"|\bwhat\s+(?:date|day|time)\b"
    r"|\bschedule[ds]?\b|\bcalendar\b|\b(?:today|tomorrow)\b",
    re.IGNORECASE,
)
# Words that set the window or ask for events; they are not the topic.
_TIME_WORDS = frozenset(
    """week weeks month months today tomorrow coming upcoming ahead scheduled schedule schedules calendar
    date day days time next soon planned due happening events event on""".split()
)


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date | None
    label: str  # "this week", "" when open-ended


def is_event_question(question: str) -> bool:
    return bool(_EVENT_CUES.search(question))


def window_for(question: str, today: dt.date) -> Window:
    q = question.lower()
    monday = today - dt.timedelta(days=today.weekday())
    if "next week" in q:
        start = monday + dt.timedelta(days=7)
        return Window(start, start + dt.timedelta(days=6), "next week")
    if "this week" in q or "week ahead" in q:
        return Window(today, monday + dt.timedelta(days=6), "this week")
    if "tomorrow" in q:
        day = today + dt.timedelta(days=1)
        return Window(day, day, "tomorrow")
    if "today" in q:
        return Window(today, today, "today")
    if "next month" in q:
        first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        return Window(first, last, "next month")
    if "this month" in q:
        last = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        return Window(today, last, "this month")
    return Window(today, today + dt.timedelta(days=DEFAULT_HORIZON_DAYS), "")


def ask(store, backend, question: str, team: str, channel: str | None, today: dt.date, limit: int = 8) -> Answer:
    """Answer `question` for the conversation (team, channel) from the briefs it may see."""
    question = " ".join((question or "").split())
    if not question:
        raise InputError("the question is empty")
    question = question[:MAX_QUESTION_CHARS]
    label = getattr(backend, "label", None) or getattr(backend, "name", "embedded")
    if is_event_question(question):
        answer = answer_from_events(store, question, team, channel, today, backend=label)
        if answer is not None:
            return answer
    embedder = embedder_of(backend)
    dense = question_vector(embedder, question, team)
    passages = retrieve(store, question, team, channel, limit, dense=dense, dense_weight=fusion_weight(embedder))
    if not passages:
        return Answer(NO_ANSWER, [], label)
    return renumbered(backend.answer(question, passages))


def ask_services(services, question: str, team: str = "", channel: str | None = None) -> Answer:
    """`ask` with a `Services` bundle (the CLI, Slack and the demo), today in the configured timezone."""
    return ask(services.store, services.backend, question, team, channel, services.today())


def answer_from_events(
    store, question: str, team: str, channel: str | None, today: dt.date, backend: str = "embedded"
) -> Answer | None:
    """The events that answer the question, or None when the question names a topic no event matches."""
    window = window_for(question, today)
    rows = store.visible_events(team, channel, start=window.start.isoformat(),
                                end=window.end.isoformat() if window.end else None)
    topic = [t for t in content_terms(_normalise(question), MAX_TERMS) if t not in _TIME_WORDS]
    if topic:
        rows = [r for r in rows if _matches(topic, r)]
        if not rows:
            return None
    if not rows:
        return Answer(NO_ANSWER, [], backend)
    merged = merge_events([(Event.from_row(r), r["brief_id"]) for r in rows])[:MAX_EVENTS]
    info = {r["brief_id"]: r for r in rows}
    numbers: dict[str, int] = {}
    lines = []
    for event, brief_ids in merged:
        for bid in brief_ids:
            numbers.setdefault(bid, len(numbers) + 1)
        refs = [f"[{n}]" for n in sorted(numbers[bid] for bid in brief_ids)]
        when = when_label(event.date.isoformat(), event.precision, event.time, event.timezone)
        lines.append(f"• {when} — {event.title} {' '.join(refs)}")
    citations = [
        Citation(n=n, brief=bid, title=info[bid]["article_title"] or "", url=info[bid]["url"])
        for bid, n in numbers.items()
    ]
    head = f"Coming up {window.label}:" if window.label else "Coming up:"
    return Answer(with_sources("\n".join([head, *lines]), citations), citations, backend)


def format_answer_text(answer: Answer) -> str:
    """Plain text for the CLI and the demo: the answer (sources included) and which backend wrote it."""
    return f"{answer.answer}\n[{answer.backend}]"


# -- internals --------------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    """Long institution names to their short forms, so "Bank of Japan" and "BoJ" meet."""
    out = text
    for long, short in sorted(INSTITUTIONS.items(), key=lambda kv: -len(kv[0])):
        out = re.sub(rf"\b{re.escape(long)}\b", short, out, flags=re.IGNORECASE)
    return out


def _matches(topic: list[str], row: dict) -> bool:
    """An event answers the topic when it names every institution the question names ("BoJ"), or, for a
    question naming none, when its title or evidence holds at least half of the topic words."""
    haystack = {stem(w) for w in content_terms(_normalise(f"{row['title']} {row['evidence'] or ''}"))}
    names = [t for t in topic if _is_name(t)]
    if names:
        return all(stem(n) in haystack for n in names)
    others = [stem(t) for t in topic]
    return sum(o in haystack for o in others) * 2 >= len(others)


def _is_name(term: str) -> bool:
    shorts = {v.lower() for v in INSTITUTIONS.values()}
    return term in shorts
