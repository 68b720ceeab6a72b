"""Frozen dataclasses shared by every stage of the pipeline.

They carry data only; behaviour lives in the modules that produce them. Dates are `datetime.date`,
serialised as ISO 8601 by their `to_json`/`to_row` helpers so the brief JSON contract stays in one place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.pipeline.periods import PRECISIONS


@dataclass(frozen=True)
class Article:
    """An article's text and metadata, after fetching and extraction (or pasted text)."""

    text: str
    title: str = ""
    url: str | None = None
    site: str | None = None
    author: str | None = None
    published: dt.date | None = None
    language: str | None = None
    cut: bool = False  # the page's text ran past MAX_TEXT_CHARS and was cut there (extract.cap_text)


@dataclass(frozen=True)
class Summary:
    """What the embedded summarizer picks from the text."""

    tldr: str
    key_points: list[str] = field(default_factory=list)
    open_questions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Event:
    """A dated thing an article announces ("Fed rate decision — Wed 29 Oct").

    `date` is the day for day precision, the Monday of the week for week precision and the first of the
    month for month precision; a week- or month-precision event is never shown on a made-up day.
    """

    title: str
    date: dt.date
    precision: str = "day"  # day | week | month
    time: str | None = None  # "14:00" when the text gives it
    timezone: str | None = None  # "America/New_York" / "ET" as given
    evidence: str = ""

    def to_row(self) -> dict:
        """The events-table row and the brief JSON's event object (dates as ISO strings)."""
        return {
            "title": self.title,
            "date": self.date.isoformat(),
            "precision": self.precision,
            "time": self.time,
            "timezone": self.timezone,
            "evidence": self.evidence,
        }

    @classmethod
    def from_row(cls, row: dict) -> Event:
        """An event from a stored row (or `to_row` output). Raises ValueError for a date or precision that
        cannot be read, so each caller decides whether a bad row is skipped or fatal."""
        try:
            date = row["date"] if isinstance(row["date"], dt.date) else dt.date.fromisoformat(str(row["date"]))
        except (TypeError, KeyError) as err:
            raise ValueError(f"event row without a readable date: {row.get('date')!r}") from err
        precision = row.get("precision") or "day"
        if precision not in PRECISIONS:
            raise ValueError(f"event precision {precision!r} is not one of {', '.join(PRECISIONS)}")
        return cls(
            title=(row.get("title") or "").strip() or "(untitled event)",
            date=date,
            precision=precision,
            time=row.get("time") or None,
            timezone=row.get("timezone") or None,
            evidence=row.get("evidence") or "",
        )


EVENT_FIELDS = ("title", "date", "precision", "time", "timezone", "evidence")  # the keys of `Event.to_row`


@dataclass(frozen=True)
class StorylineRef:
    """A storyline as the backends see it: its id, title and the text of its recent briefs."""

    id: str
    title: str
    recent_text: str = ""
    entities: tuple[str, ...] = ()


@dataclass(frozen=True)
class StorylineAssignment:
    """Which open storylines a new brief continues, and which new ones it opens."""

    existing: list[str] = field(default_factory=list)  # storyline ids, e.g. ["S3"]
    new_titles: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Usage:
    """Tokens one model call used; zero for the embedded backend."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    model: str | None = None


@dataclass(frozen=True)
class BriefDraft:
    """What a backend writes for one article, before it is stored."""

    tldr: str
    key_points: list[str]
    open_questions: list[str]
    entities: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    storylines: StorylineAssignment = field(default_factory=StorylineAssignment)
    backend: str = "embedded"
    usage: Usage = field(default_factory=Usage)
    notes: list[str] = field(default_factory=list)  # validation drops, disagreements: logged and stored


@dataclass(frozen=True)
class BriefContext:
    """What a backend needs besides the article: the reference date and the open storylines."""

    ref_date: dt.date
    open_storylines: list[StorylineRef] = field(default_factory=list)
    team: str = ""


@dataclass(frozen=True)
class Passage:
    """A retrieved piece of text (a brief's TL;DR or key point, or an article chunk) and its source."""

    text: str
    brief_id: str
    title: str
    url: str | None
    score: float = 0.0
    published: dt.date | None = None


@dataclass(frozen=True)
class Citation:
    n: int
    brief: str
    title: str
    url: str | None
    passage: str = ""  # the sentence quoted from this source, as shown in the answer
    thread: str | None = None  # link to the brief's Slack thread, when the caller knows it

    def to_json(self) -> dict:
        out = {"n": self.n, "brief": self.brief, "title": self.title, "url": self.url, "passage": self.passage}
        if self.thread:
            out["thread"] = self.thread
        return out


@dataclass(frozen=True)
class Answer:
    answer: str
    citations: list[Citation] = field(default_factory=list)
    backend: str = "embedded"

    @property
    def body(self) -> str:
        """The answer without its closing "Sources:" list (Slack shows the sources as links beneath it)."""
        return self.answer.partition(SOURCES_HEAD)[0]

    def to_json(self) -> dict:
        return {
            "answer": self.answer,
            "citations": [c.to_json() for c in self.citations],
            "backend": self.backend,
        }


NO_ANSWER = "I don't have anything on that in the briefs yet."
SOURCES_HEAD = "\n\nSources:\n"  # where an answer's text ends and its list of sources begins
