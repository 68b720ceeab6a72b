"""Dated, future-pointing events ("Fed rate decision — Wed 29 Oct") from an article's text.

How it decides (kept rule-based so that it is predictable and testable):
  * Time expressions come from `bot.pipeline.timex.find_times`, resolved against `ref` (the article's
    publication day or "today"), so "stocks rallied Monday" resolves to the past and makes no event.
  * An event needs a future-pointing mention: a day after `ref` (or `ref` itself only when the sentence
    is future-tense: "will ... today"), or a week / month that has not ended. A week or month that is
    the current one ("later this month", "this week") counts only when the sentence is future-tense.
  * Bare month names count only in future-tense sentences: "A December cut remains possible" is a
    possibility, not an announcement, and makes no event; "the ECB will meet in December" makes a
    month-precision event.
  * Precision: a day gives "day"; an ISO week ("next week", "the week ahead") gives "week" (date = that
    Monday); a month ("later this month", "in December") gives "month" (date = the 1st). A sentence with
    a day-precision mention drops its coarser mentions. Nothing more than a year ahead.
  * Not an event: a heading or subheading ("The Week Ahead"), a question, a negated clause ("won't
    travel"), the writer's own first person ("I think ... on Friday"), a dated noun with no action
    ("this week's negotiations"), a weekday in a past-tense clause, a record date ("of record Nov. 16").
  * Title (event_titles, from the clause that holds the date): a central bank deciding -> "Fed rate
    decision"; a date attached to an event noun -> that noun ("Trump–Xi meeting"); otherwise the clause's
    subject, verb and object ("Alibaba holds its listing ceremony"), and failing that a trimmed clause of
    whole words; a title that names nobody gets the article's actor or the speaker ("WeWork: job cuts to be
    announced"). Meetings read "A meets B" / "A–B meeting", so one meeting told twice merges.
  * Clock time and zone come from a TIME mention of the same day ("at 2 p.m. ET" -> 14:00,
    America/New_York).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from bot.pipeline.clauses import clause_is_past, clause_of, event_noun_phrase
from bot.pipeline.entities import find_entities
from bot.pipeline.event_names import is_place, shorten_names
from bot.pipeline.event_titles import (
    capitalise,
    clause_actor,
    compose,
    fit_words,
    has_name,
    lower_first,
    title_for,
    trimmed_clause,
)
from bot.pipeline.institutions import CENTRAL_BANKS, INSTITUTIONS
from bot.pipeline.models import Event
from bot.pipeline.periods import HORIZON_DAYS, mention_period
from bot.pipeline.sentences import split_sentences
from bot.pipeline.timex import TZ_ABBREVIATIONS, find_times, tense_at

__all__ = ["extract_events", "merge_events", "dedup_events", "event_key"]

# Well-known people written family-name-first, or otherwise not shortened to their last word.
_SHORT_NAMES = {"Xi Jinping": "Xi", "Li Qiang": "Li", "Kim Jong Un": "Kim", "Lee Jae-myung": "Lee"}

# Capitalised words that are not actors: titles, roles, days, months, sentence starters, nationalities.
_NOT_ACTOR = {
    "The", "A", "An", "On", "In", "At", "By", "For", "And", "But", "Or", "If", "As", "After", "Before", "Later",
    "Earlier", "Then", "This", "That", "These", "Those", "It", "Its", "He", "She", "They", "We", "I", "His",
    "Her", "Their", "Our", "Meanwhile", "Also", "Still", "Yet", "While", "With", "Markets", "Investors",
    "Traders", "Analysts", "Economists", "Stocks", "Shares", "Officials", "Next", "Last", "Tuesday's",
    "President", "Prime", "Minister", "Chancellor", "Governor", "Chair", "Chairman", "Chairwoman", "Secretary",
    "Treasury", "Premier", "Leader", "King", "Queen", "Mr", "Mrs", "Ms", "Dr", "Sen", "Rep", "Gov",
    "Chinese", "Japanese", "American", "British", "European", "German", "French", "Korean", "Indian",
    "Canadian", "Australian", "Russian", "Wall", "Street", "ET", "GMT", "EST", "EDT", "PT", "UTC", "JST",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February",
    "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    "Oct", "Nov", "Dec", "Jan", "Feb", "Sept", "Aug", "Today", "Tomorrow", "Week", "Ahead", "Both", "Each",
    "When", "Where", "Elsewhere", "Separately", "However", "Instead", "Now", "Here", "There", "What", "Why", "How", "Who", "No", "Not", "Some", "Many", "Most", "All", "One", "Two",
}

# Action nouns, tried in order; the first that matches the sentence names the event.
_ACTIONS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"\b(?:policy\s+(?:decision|meeting|review|board|statement|announcement)|monetary\s+policy)\b", re.I),
     "policy decision"),
    (re.compile(r"\b(?:rate\s+(?:decision|cut|hike|increase|move|announcement)|interest\s+rates?|(?:cut|raise|hold|lower)s?\s+rates|"
                r"policy\s+rate|rates?\s+(?:on\s+hold|unchanged)|basis[-\s]points?|rate-setting)\b", re.I), "rate decision"),
    (re.compile(r"\b(?:decides?|decision)\b", re.I), "rate decision"),
    (re.compile(r"\bsummit\b", re.I), "summit"),
    (re.compile(r"\b(?:meets?|meeting|talks|sit\s+down|hold\s+talks)\b", re.I), "meeting"),
    (re.compile(r"\b(?:jobs|payrolls?|employment|labou?r\s+market)\s+(?:report|data|figures|numbers)\b|\bnonfarm\b", re.I),
     "jobs report"),
    (re.compile(r"\b(?:inflation|consumer\s+price|CPI|PCE)\b.{0,30}\b(?:data|figures|report|reading|numbers)\b", re.I),
     "inflation data"),
    (re.compile(r"\b(?:GDP|gross\s+domestic\s+product)\b", re.I), "GDP data"),
    (re.compile(r"\b(?:earnings|quarterly\s+results|results)\b", re.I), "earnings"),
    (re.compile(r"\belection\b", re.I), "election"),
    (re.compile(r"\b(?:vote|votes|voting|referendum|ballot)\b", re.I), "vote"),
    (re.compile(r"\b(?:testify|testifies|testimony|hearing)\b", re.I), "hearing"),
    (re.compile(r"\b(?:speech|speaks|address(?:es)?|remarks)\b", re.I), "speech"),
    (re.compile(r"\bdeadline\b", re.I), "deadline"),
    (re.compile(r"\b(?:data|figures|report|statistics|release|survey)\b", re.I), "data release"),
    (re.compile(r"\b(?:visits?|visiting|trip|travels?)\b", re.I), "visit"),
]

_TITLE_BEFORE_NAME = re.compile(
    r"\b(?:President|Prime\s+Minister|Premier|Chancellor|Governor|Chair(?:man|woman)?|Secretary|Minister|"
    r"Leader|King|Queen|Mr\.?|Mrs\.?|Ms\.?|Dr\.?)\s+$"
)
_NAME = re.compile(r"\b(?:[A-Z][a-zA-Z'’\-]+|[A-Z]{2,}\d*|G\d{1,2}|G-\d{1,2})(?:\s+(?:of\s+(?:the\s+)?)?(?:[A-Z][a-zA-Z'’\-]+|[A-Z]{2,}))*")


def _actors(sentence: str) -> list[str]:
    """Actors in order of appearance: abbreviated institutions and people's short names, no duplicates."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for long, short in sorted(INSTITUTIONS.items(), key=lambda kv: -len(kv[0])):
        flags = re.IGNORECASE if long.startswith("the ") else 0
        for m in re.finditer(rf"(?<![\w-]){re.escape(long)}(?![\w-])", sentence, flags):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), short))
    for m in re.finditer(r"(?<![\w-])Fed(?![\w-])", sentence):
        if not any(m.start() < e and s < m.end() for s, e in taken):
            taken.append((m.start(), m.end()))
            found.append((m.start(), "Fed"))
    for m in _NAME.finditer(sentence):
        if any(m.start() < e and s < m.end() for s, e in taken):
            continue
        words = [w for w in re.split(r"\s+", m.group(0)) if w]
        if words[0] in ("In", "At", "From", "Near", "Across", "Outside", "Inside") and len(words) > 1:
            continue  # "In Tokyo, ...": a place
        # A role inside the name describes who follows it: "US President Donald Trump" -> "Donald Trump".
        roles = [i for i, w in enumerate(words[:-1]) if w in _ROLE_WORDS]
        if roles:
            words = words[roles[-1] + 1:]
        # Drop leading non-actor words ("President Donald Trump" -> "Donald Trump").
        while words and (words[0].rstrip(".'’s") in _NOT_ACTOR or words[0] in _NOT_ACTOR or words[0] == "of"):
            words.pop(0)
        while words and (words[-1] in _NOT_ACTOR or words[-1] == "of"):
            words.pop()
        if not words:
            continue
        name = " ".join(words)
        end = m.end()
        possessive = sentence[end - 2:end] in ("'s", "’s") or sentence[end:end + 2] in ("'s", "’s")
        if possessive:
            name = re.sub(r"['’]s$", "", name)
            # "Japan's prime minister, Sanae Takaichi" / "Japan's Prime Minister X": Japan only describes X.
            after = sentence[end:end + 40]
            if re.match(r"(?:['’]s)?\s+(?:new\s+|top\s+|former\s+)?(?:[Pp]rime\s+[Mm]inister|[Pp]resident|[Pp]remier|"
                        r"[Cc]hancellor|[Ll]eader|[Ff]inance\s+[Mm]inister|[Gg]overnor)", after):
                continue
        if m.start() == 0 and len(words) == 1 and name.lower() in _COMMON_SENTENCE_STARTS:
            continue
        if _PLACE_BEFORE.search(sentence, max(0, m.start() - 30), m.start()):
            continue  # "In Tokyo, ...", "travel to South Korea": places, not actors
        short = _SHORT_NAMES.get(name)
        if short is None:
            parts = name.split()
            # A person's full name (2-3 capitalised words, no "of") shortens to the family name.
            is_person = 2 <= len(parts) <= 3 and "of" not in parts and all(p[0].isupper() and p[1:].islower()
                                                                            for p in parts if len(p) > 1)
            short = parts[-1] if is_person else name
        taken.append((m.start(), m.end()))
        found.append((m.start(), short))
    out: list[str] = []
    for _, name in sorted(found):
        if name not in out:
            out.append(name)
    return out


_ROLE_WORDS = {"President", "Minister", "Premier", "Chancellor", "Governor", "Chair", "Chairman", "Chairwoman",
               "Secretary", "Leader", "King", "Queen"}

# Phrases that refer back to an actor named earlier in the article ("the central bank", "the prime minister").
_BANK_REFERENCE = re.compile(r"\b(?:the\s+central\s+bank|the\s+bank|the\s+committee|policymakers)\b", re.I)
_ROLE_REFERENCE = {
    "prime minister": re.compile(r"\bthe\s+(?:new\s+)?prime\s+minister\b", re.I),
    "president": re.compile(r"\bthe\s+president\b", re.I),
    "chancellor": re.compile(r"\bthe\s+chancellor\b", re.I),
}


def _referents(sentence: str, before: str) -> list[str]:
    """Actors that phrases like "the central bank" or "the prime minister" point back to, from earlier text.

    Only the nearest earlier central bank or the nearest earlier holder of that role is used, so a sentence
    without such a phrase, or an article that never named one, gets nothing.
    """
    found: list[tuple[int, str]] = []
    if _BANK_REFERENCE.search(sentence) and not any(a in CENTRAL_BANKS for a in _actors(sentence)):
        banks = [a for a in _actors(before[-3000:]) if a in CENTRAL_BANKS]
        if banks:
            last = max(banks, key=lambda b: _last_position(before, b))
            found.append((_BANK_REFERENCE.search(sentence).start(), last))
    for role, rx in _ROLE_REFERENCE.items():
        m = rx.search(sentence)
        if not m:
            continue
        named = list(re.finditer(rf"{role}\s*,?\s+((?:[A-Z][a-z'’\-]+\s+)?[A-Z][a-z'’\-]+)", before, re.I))
        if named:
            name = named[-1].group(1)
            found.append((m.start(), _SHORT_NAMES.get(name, name.split()[-1])))
    return [name for _, name in sorted(found)]


def _last_position(text: str, short: str) -> int:
    names = [long for long, s in INSTITUTIONS.items() if s == short] + [short]
    return max(text.rfind(n) for n in names)


_PLACE_BEFORE = re.compile(
    r"(?:\b(?:[Ii]n|[Aa]t|[Ff]rom|[Nn]ear|[Aa]cross|[Oo]utside|[Ii]nside)|"
    r"\b(?:travel|travels|head|heads|fly|flies|return|returns|go|goes|trip|visit|arrive|arrives)\s+(?:to|in))\s+(?:the\s+)?$"
)
_COMMON_SENTENCE_STARTS = {"markets", "stocks", "investors", "traders", "analysts", "there", "here", "what"}


def _action(sentence: str, actors: list[str]) -> str | None:
    for rx, name in _ACTIONS:
        if rx.search(sentence):
            if name in ("policy decision", "rate decision") and not any(a in CENTRAL_BANKS for a in actors):
                continue
            return name
    return None


def _bank_title(text: str, before: str) -> str | None:
    """"Fed rate decision" / "BoJ policy decision" when a central bank decides in this clause."""
    actors = _actors(text)
    for name in reversed(_referents(text, before)):
        if name not in actors:
            actors.insert(0, name)
    banks = [a for a in actors if a in CENTRAL_BANKS]
    if not banks:
        return None
    literal = re.search(r"\b(rate|policy)\s+decision", text, re.I)  # the words the text uses win
    action = f"{literal.group(1).lower()} decision" if literal else _action(text, actors)
    if action in ("policy decision", "rate decision"):
        return f"{banks[0]} {action}"
    if action == "meeting" and re.search(r"\b(?:meets?|meeting)\b", text) and not [a for a in actors if a not in banks]:
        return f"{banks[0]} policy meeting"
    return None


_MEETS = re.compile(r"^(?P<a>[A-Z][\w'’.\-]*(?: [A-Z][\w'’.\-]*)?) (?:meets|is meeting|to meet)(?: with)?(?: [a-z]+)? "
                    r"(?P<b>[A-Z][\w'’.\-]*(?: [A-Z][\w'’.\-]*)?)(?: (?:in|at|on|for)\b.*)?$")
_HOLDS_SUMMIT = re.compile(r"^(?P<a>[A-Z][\w'’.\-]*) holds (?:a |an |the )?(?P<what>summit|talks|meeting) with "
                           r"(?P<b>[A-Z][\w'’.\-]*)(?: (?:in|at|on|for)\b.*)?$")
_BOTH_MEET = re.compile(r"^(?P<a>[A-Z][\w'’.\-]*) and (?P<b>[A-Z][\w'’.\-]*) (?:meet|hold talks|hold a summit)$")
_BETWEEN = re.compile(r"\b(?P<what>meeting|summit|talks)\s+between\s+(?P<a>[A-Z][\w'’.\-]*)\s+and\s+"
                      r"(?P<b>[A-Z][\w'’.\-]*)", re.I)


def _canonical(title: str) -> str:
    """The short forms digests group by: "Takaichi meets Trump", "Trump–Xi summit", "Trump–Xi meeting"."""
    m = _MEETS.match(title)
    if m:
        return f"{m.group('a')} meets {m.group('b')}"
    m = _HOLDS_SUMMIT.match(title)
    if m:
        return f"{m.group('a')}–{m.group('b')} {m.group('what')}"
    m = _BOTH_MEET.match(title)
    if m:
        return f"{m.group('a')}–{m.group('b')} meeting"
    m = _BETWEEN.search(title)
    if m and m.group("a")[0].isupper() and m.group("b")[0].isupper():
        return f"{m.group('a')}–{m.group('b')} {m.group('what').lower()}"
    return title


_SCHEDULED_WORD = re.compile(r"\b(?:expected|scheduled|planned|upcoming)\b", re.I)
_QUESTION_END = re.compile(r"\?[\"'”’)\]]*\s*$")


def _noun_title(words: list[str], article: str) -> str:
    """An event noun phrase as a title: "The Federal Reserve's rate decision" -> "Fed rate decision"."""
    text = shorten_names(" ".join(words), article)
    out = [w for w in text.split() if w.lower() not in ("a", "an", "the", "some", "expected", "scheduled", "planned",
                                                         "upcoming", "its", "their", "his", "her")]
    out = [re.sub(r"['’]s$", "", w) if w[:1].isupper() else w for w in out]
    title = _canonical(" ".join(out))
    return capitalise(compose(title.split(), [], []))


def _title(sentence: str, span: tuple[int, int], before: str, article: str, topic: list[str],
           others: tuple[tuple[int, int], ...] = (), weekday_only: bool = False) -> str | None:
    """The event's title, or None when the clause holding the date announces nothing (see event_titles)."""
    if _QUESTION_END.search(sentence) or _first_person_outside_quotes(sentence[:span[0]]):
        return None  # a question, or the writer's own chatter ("I hope that, whatever happens today, ...")
    clause = clause_of(sentence, span, others)
    if not clause.tokens:
        return None
    clause_text = " ".join(t.text for t in clause.tokens)
    context = before + sentence[:span[0]]
    if weekday_only and clause_is_past(clause):
        return None  # "got a call at 0.20am on Thursday": a weekday in a past-tense clause is last week's
    noun = event_noun_phrase(sentence, span)
    if noun and noun[1] == "possessive":
        text = shorten_names(" ".join(noun[0]), article)
        if not noun[0] or not (has_name(text.split(), article) or _SCHEDULED_WORD.search(text)):
            return None  # "this week's negotiations": a dated noun, no action
        return _bank_title(text, before) or _finish(_noun_title(noun[0], article))
    bank = _bank_title(clause_text, context)
    if bank:
        return bank
    if noun and noun[1] in ("subject", "before"):
        title = _noun_title(noun[0], article)
        if not has_name(title.split(), article):
            actor = clause_actor(clause, context, article, topic) or _context_actor(sentence, before, topic)
            if actor and actor.lower() not in title.lower():
                title = f"{actor}: {lower_first(title, article)}"
        return _finish(title)
    if noun and noun[1] == "adjunct":
        # "Russia is unlikely to agree ... at a meeting with fellow exporters next month": the meeting is
        # the dated thing, whatever Russia does there; its actor is the clause's subject.
        actor = clause_actor(clause, context, article, topic) or _context_actor(sentence, before, topic)
        if actor:
            return _finish(f"{actor} {lower_first(_noun_title(noun[0], article), article)}")
    title = title_for(clause, context, article, topic)
    if title == "":
        return None  # negated or first person: nothing is announced
    if title is None and _FIRST_PERSON_CLAUSE.match(clause_text):
        return None  # first-person chatter ("I think this will be the cheapest TV on Friday")
    if title is None:
        title = trimmed_clause(clause, article)
    if title and not has_name(title.split(), article):
        actor = _context_actor(sentence, before, topic)
        if actor and actor.lower() not in title.lower():
            title = f"{actor}: {lower_first(title, article)}"
    return _finish(_canonical(title)) if title else None


def _first_person_outside_quotes(prefix: str) -> bool:
    """"I"/"we" as the writer's own voice before the date: not inside a quotation."""
    for m in re.finditer(r"(?<![\w'’])(?:I|[Ww]e|i(?=['’](?:m|ll|ve|d)\b))(?=\s|['’](?:m|ll|ve|re|d)\b)", prefix):
        quotes = len(re.findall(r"[\"“”]|``|''", prefix[:m.start()]))
        if quotes % 2 == 0:
            return True
    return False


_FIRST_PERSON_CLAUSE = re.compile(r"^(?:\w+\s+){0,2}(?:I|we|We|you|You|I'm|I’m|we're|we’re)\b")


def _context_actor(sentence: str, before: str, topic: list[str]) -> str | None:
    """The article's main actor when this sentence or the one before it names it ("Job cuts will be announced
    ..." in a WeWork story -> "WeWork: job cuts to be announced")."""
    nearby = " ".join(s.text for s in split_sentences(before[-1200:])[-1:]) + " " + sentence
    for name in topic[:3]:
        if re.fullmatch(r"[A-Z][a-z]+(?:ese|ian|ish|an|ch|i)|[A-Z]", name) or is_place(name, before + sentence):
            continue  # "German", "Miami": not who acts
        if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", nearby):
            return name
    speaker = _SPEAKER.search(sentence)  # "..., Claure said in the email": who announces it
    if speaker:
        name = speaker.group(1) or speaker.group(2)
        return shorten_names(name, before + sentence).split()[-1] if name else None
    return None


_SPEAKER = re.compile(
    r",\s+((?:[A-Z][\w'’.\-]+\s+){0,3}[A-Z][\w'’.\-]+)\s+(?:said|says|told|added|wrote)\b"
    r"|,\s+(?:said|says|added)\s+(?:[a-z\-]+\s+){0,4}?((?:[A-Z][\w'’.\-]+\s+){0,2}[A-Z][\w'’.\-]+)"
)


def _finish(title: str) -> str:
    """At most MAX_TITLE_WORDS whole words: articles go first, then trailing phrases; no dangling "to"/"the"."""
    return " ".join(fit_words(title.split()))


# ---------------------------------------------------------------------------------------------- dates


def _is_future(prec: str, date: dt.date, ref: dt.date, tense: str | None, bare_month: bool) -> bool:
    if (date - ref).days > HORIZON_DAYS:
        return False
    if prec == "day":
        return date > ref or (date == ref and tense == "future")
    if prec == "week":
        monday = ref - dt.timedelta(days=ref.weekday())
        return date > monday or (date == monday and tense == "future")
    this_month = ref.replace(day=1)
    if bare_month and tense != "future":
        return False
    return date > this_month or (date == this_month and tense == "future")


_HEDGE = re.compile(r"\b(?:whether|unclear|uncertain|remains\s+to\s+be\s+seen|if|unless)\b", re.IGNORECASE)
_FORWARD_WORD = re.compile(r"\b(?:later|next|coming|ahead|upcoming|tomorrow)\b", re.IGNORECASE)
_TZ_RX = re.compile(r"\b(" + "|".join(sorted(TZ_ABBREVIATIONS, key=len, reverse=True)) + r")\b")


def extract_events(text: str, ref: dt.date) -> list[Event]:
    """Future-pointing events in `text`, one per sentence and date (same event twice: merged), by date."""
    if not text or not text.strip():
        return []
    mentions = find_times(text, ref)
    if not mentions:
        return []
    events: list[Event] = []
    topic: list[str] | None = None
    for sent in split_sentences(text):
        inside = [m for m in mentions if sent.start <= m.start < sent.end]
        if not inside:
            continue
        candidates: dict[tuple[str, dt.date], dict] = {}
        for m in inside:
            target = mention_period(m.value)
            if target is None:
                continue
            prec, date, clock = target
            if prec == "day" and date < ref and (ref - date).days < 7 and _CALENDAR_LINE.match(text, m.start) \
                    and text.rfind("\n", 0, m.start) + 1 == m.start:
                date += dt.timedelta(days=7)  # "Wednesday: Fed rate decision" in a week-ahead list points forward
            if re.search(r"\bof\s+record\s+$", text[max(0, m.start - 12):m.start]):
                continue  # "to stock of record Nov. 16": a qualifier of the payment, not a happening
            if _HEDGE.search(sent.text, 0, m.start - sent.start):
                continue  # "unclear whether the Fed will cut in December": a question, not a scheduled event
            tense = tense_at(sent.text, m.start - sent.start)
            bare_month = prec == "month" and not re.search(r"\b(?:next|later|this|coming|early|mid|late)\b", m.text, re.I)
            if _FORWARD_WORD.search(m.text):
                tense = "future"  # "later this month", "the week ahead", "next week" point forward by themselves
            if not _is_future(prec, date, ref, tense, bare_month):
                continue
            slot = candidates.setdefault((prec, date), {"time": None, "tz": None,
                                                          "span": (m.start - sent.start, m.end - sent.start)})
            if clock:
                slot["time"] = clock
                tz = _TZ_RX.search(m.text) or _TZ_RX.search(text, m.end, min(len(text), m.end + 6))
                if tz:
                    slot["tz"] = TZ_ABBREVIATIONS[tz.group(1)]
        if any(p == "day" for p, _ in candidates):
            candidates = {k: v for k, v in candidates.items() if k[0] == "day"}
        if not candidates:
            continue
        if _is_heading(sent, text):
            continue
        for (prec, date), slot in sorted(candidates.items(), key=lambda kv: kv[0][1]):
            if topic is None:
                topic = find_entities(text, limit=6)
            others = tuple((o.start - sent.start, o.end - sent.start) for o in inside
                           if (o.start - sent.start, o.end - sent.start) != slot["span"])
            mention_text = sent.text[slot["span"][0]:slot["span"][1]]
            weekday_only = bool(re.fullmatch(r"(?i)(?:on\s+)?(?:the\s+)?(?:mon|tues|wednes|thurs|fri|satur|sun)day(?:'s)?"
                                             r"(?:\s+(?:morning|afternoon|evening|night))?", mention_text))
            title = _title(sent.text, slot["span"], text[:sent.start], text, topic, others, weekday_only)
            if not title:
                continue
            events.append(Event(title=title, date=date, precision=prec, time=slot["time"], timezone=slot["tz"],
                                evidence=sent.text))
    merged = merge_events([(e, "") for e in events])
    return [e for e, _ in merged]


_CALENDAR_LINE = re.compile(r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\s*[:–—-]\s*\S")
_END_PUNCT = re.compile(r"[.!?…\"'”’)\]]\s*$")


def _is_heading(sent, text: str) -> bool:
    """A heading or subheading ("The Week Ahead", "29 November 2018 | 20 January 2019") is no sentence.

    It stands alone on its line, does not end like a sentence, and is either in title case or holds
    hardly any words besides its dates. A calendar line such as "Wednesday: Fed rate decision" is kept.
    """
    line_start = text.rfind("\n", 0, sent.start) + 1
    line_end = text.find("\n", sent.end)
    line = text[line_start:len(text) if line_end < 0 else line_end].strip()
    if line != sent.text.strip() or _END_PUNCT.search(line):
        return False
    words = re.findall(r"[A-Za-z][\w'’\-]*", line)
    if len(words) > 12:
        return False
    minor = {"a", "an", "the", "of", "and", "or", "in", "on", "at", "to", "for", "by", "with", "vs", "from"}
    title_case = all(w[0].isupper() for w in words if w.lower() not in minor)
    dateless = [w for w in words if w.lower() not in _DATE_WORDS]
    if len(dateless) >= 2 and re.search(r"^[^:–—]{3,40}(?::|\s[–—-]\s)\s*\S", line):
        return False  # a calendar line: "Thursday: ECB Rate Decision", "Nov 5 – Apple Earnings"
    return title_case or len(dateless) < 2


_DATE_WORDS = frozenset("""monday tuesday wednesday thursday friday saturday sunday january february march april may
june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec today
tomorrow week weekend month year next this the ahead""".split())


# ---------------------------------------------------------------------------------------------- dedup

_ACTION_FAMILY = {"meets": "meeting", "meet": "meeting", "meeting": "meeting", "summit": "meeting", "talks": "meeting"}


def _title_parts(title: str) -> tuple[frozenset[str], str]:
    """(actors, action) of a title made by `_title`: capitalised tokens vs. the lower-case action words."""
    tokens = re.split(r"[\s–\-]+", title)
    actors = frozenset(t for t in tokens if t and (t[0].isupper() or t[0].isdigit()) and t.lower() != "us"
                       or t == "US")
    action_words = [t.lower() for t in tokens if t and not (t[0].isupper() or t[0].isdigit())]
    action = " ".join(action_words)
    for word in action_words:
        if word in _ACTION_FAMILY:
            action = _ACTION_FAMILY[word]
            break
    return actors, action


def event_key(event: Event) -> tuple:
    """Hashable identity for exact dedup: precision, date, actors and action family of the title."""
    actors, action = _title_parts(event.title)
    return (event.precision, event.date.isoformat(), tuple(sorted(actors)), action)


def _same_event(a: Event, b: Event) -> bool:
    if a.precision != b.precision:
        return False
    gap = abs((a.date - b.date).days)
    if (a.precision == "day" and gap > 1) or (a.precision != "day" and gap != 0):
        return False
    if a.title.lower() == b.title.lower():
        return True
    actors_a, action_a = _title_parts(a.title)
    actors_b, action_b = _title_parts(b.title)
    return bool(actors_a & actors_b) and action_a == action_b


def _score(e: Event) -> tuple:
    """How well an event is evidenced: a clock time, then named actors, then a longer evidence sentence."""
    actors, _ = _title_parts(e.title)
    return (e.time is not None, e.timezone is not None, len(actors), len(e.evidence))


def merge_events(items: list[tuple[Event, str]]) -> list[tuple[Event, list[str]]]:
    """Merge the same event reported by several briefs.

    Rule: two events are the same when their precision matches, their dates are within one day (day
    precision) or equal (week/month), and their titles are equal or share at least one actor and the
    same action family (meets/meeting/summit/talks are one family). Each group keeps the date most
    sources give (ties: the earliest), the title/time of its best-evidenced member (clock time, zone,
    more actors, longer evidence) and the brief ids in first-seen order.
    """
    groups: list[list[tuple[Event, str]]] = []
    for event, source in items:
        for group in groups:
            if any(_same_event(event, other) for other, _ in group):
                group.append((event, source))
                break
        else:
            groups.append([(event, source)])
    out: list[tuple[Event, list[str]]] = []
    for group in groups:
        counts: dict[dt.date, int] = {}
        for e, _ in group:
            counts[e.date] = counts.get(e.date, 0) + 1
        date = max(sorted(counts), key=lambda d: counts[d])
        best = max((e for e, _ in group), key=_score)
        sources: list[str] = []
        for _, s in group:
            if s and s not in sources:
                sources.append(s)
        out.append((Event(best.title, date, best.precision, best.time, best.timezone, best.evidence), sources))
    out.sort(key=lambda es: (es[0].date, es[0].time or ""))
    return out


def dedup_events(groups: Iterable[tuple[str, list[Event]]]) -> list[tuple[Event, list[str]]]:
    """`merge_events` over (brief id, events) groups, e.g. every brief of the coming week."""
    return merge_events([(e, brief_id) for brief_id, events in groups for e in events])
