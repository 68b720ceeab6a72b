"""Rule-based temporal tagger (TIMEX3 DATE/TIME), in the spirit of HeidelTime.

Why hand-written rules: general-purpose date parsers scan every token and happily turn "40%" into 2040,
"We" into Wednesday and the modal "may" into May. Here every expression has an explicit pattern, and a
resolver turns it into a TIMEX3 value against the reference (publication) date.

Resolution follows the sentence's tense rather than a fixed direction: in news a bare weekday refers to
the past about half the time ("stocks rallied Monday", "said on Friday") and forward only with cues
("will", "is expected to", "next", "scheduled", "due"...). The same rule picks the year of a bare month
("in December") or month-day ("Oct. 29").

Values emitted: ``2025-10-29``, ``2025-10-29T14:00``, ``2025-10-29TMO`` (part of day), ``2025-W44``,
``2025-W44-WE``, ``2025-10``, ``2025-Q4``, ``2025-SU`` (season), ``2025``, ``199`` (decade),
``PRESENT_REF``, ``PAST_REF``, ``FUTURE_REF``. Durations and sets are out of scope.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

__all__ = ["TimeMention", "find_times", "tense_at", "TZ_ABBREVIATIONS"]


@dataclass(frozen=True)
class TimeMention:
    start: int
    end: int
    text: str
    type: str  # "DATE" | "TIME"
    value: str


# ---------------------------------------------------------------------------------------------- lexicon

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "several": None, "a few": None,
    "few": None,
}
_SEASONS = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
_DAYPARTS = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}

TZ_ABBREVIATIONS = {
    # Kept small and explicit on purpose: ambiguous abbreviations (IST, CST...) are better left alone.
    "ET": "America/New_York", "EST": "America/New_York", "EDT": "America/New_York",
    "CT": "America/Chicago", "CDT": "America/Chicago",
    "PT": "America/Los_Angeles", "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
    "GMT": "Europe/London", "BST": "Europe/London", "UTC": "UTC",
    "CET": "Europe/Berlin", "CEST": "Europe/Berlin", "JST": "Asia/Tokyo", "HKT": "Asia/Hong_Kong",
}

# Month names, capitalised (or all caps): lower-case "may"/"march" are verbs and nouns.
_MON_FULL = r"January|February|March|April|May|June|July|August|September|October|November|December"
_MON_ABBR = r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec"
_MON = rf"(?:{_MON_FULL}|{_MON_FULL.upper()}|(?:{_MON_ABBR}|{_MON_ABBR.upper()})\.?)"
_WD = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|MONDAY|TUESDAY|WEDNESDAY|THURSDAY|FRIDAY|SATURDAY|SUNDAY)"
_DAYNUM = r"(?:[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19[0-9]{2}|20[0-9]{2}|2100)(?![-/]\d|\d)"
_TZ = "|".join(sorted(TZ_ABBREVIATIONS, key=len, reverse=True))
_CLOCK = (
    r"(?:(?:[01]?[0-9]|2[0-3])(?::[0-5][0-9])?\s?(?:a\.m\.?|p\.m\.?|am\b|pm\b|AM\b|PM\b)"
    r"|(?:[01]?[0-9]|2[0-3]):[0-5][0-9]|noon|midnight)"
)
_TIME = rf"(?:{_CLOCK}(?:\s(?:{_TZ})\b)?)"
_DAYPART = r"(?i:morning|afternoon|evening|night)"
_NUMWORD = r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|a few|few|\d{1,2})"
_UNIT_AFTER_YEAR = re.compile(
    r"\s*(?:%|-?\s?(?:percent|per\b|points?\b|basis\b|bps\b|million|billion|trillion|thousand|hundred|"
    r"people|troops|shares|soldiers|workers|jobs|employees|tons?\b|tonnes?\b|barrels|feet|foot|miles|"
    r"meters|metres|km\b|kilomet|yards|acres|votes|cases|deaths|dollars|euros|yen\b|pounds|cars|vehicles|"
    r"units|homes|residents|students|members|times\b|calories|pages|words|seats|[a-z]+-year))",
)


# ---------------------------------------------------------------------------------------------- tense

_FUTURE_CUE = re.compile(
    r"\b(?:will|shall|won't|wo n't|'ll|going to|gonna|(?:set|expected|due|scheduled|slated|poised|likely|"
    r"planning|preparing)\s+to|scheduled|slated|due\s+(?:on|out|in)|upcoming|ahead|next(?!\s+to)|coming|"
    r"plans?\s+to|intends?\s+to|expects?\s+to|aims?\s+to|hopes?\s+to|to\s+be\s+held|as\s+soon\s+as|"
    r"as\s+early\s+as|['’]s\s+(?:expected|planned|scheduled|upcoming)|(?:is|are)\s+to\s+\w+|(?:is|are)\s+(?:meeting|holding|visiting|traveling|travelling|hosting|"
    r"releasing|publishing|announcing|speaking|testifying|voting|flying|heading|due))\b",
    re.IGNORECASE,
)
_PAST_IRREGULAR = (
    "said|was|were|had|did|told|rose|fell|came|went|took|gave|made|met|began|saw|got|held|left|led|lost|"
    "paid|ran|sold|sent|spent|stood|struck|thought|won|wrote|grew|knew|rang|sank|slid|spoke|"
    "brought|bought|caught|fought|felt|kept|found|became|broke|chose|drew|drove|"
    "flew|forgot|froze|hung|hid|meant|rode|shook|shot|sought|swung|taught|threw|tore|understood|woke|wore|"
    "withdrew|overtook|undertook|ago|yesterday"
)
_PAST_CUE = re.compile(rf"\b(?:{_PAST_IRREGULAR}|[a-z]{{2,}}ed)\b")
# Present-tense action verbs ("X meets Y on Tuesday") announce scheduled events in news style.
_PRESENT_CUE = re.compile(
    r"\b(?:meets?|visits|travels|hosts|holds|opens|begins|starts|resumes|releases|"
    r"publishes|announces|decides|votes|expires|arrives|leaves|returns|convenes?|ends|concludes|wraps|"
    r"kicks|gathers|unveils|testifies|delivers|goes|comes|plays|stops|performs|faces|launches|debuts|premieres|"
    r"airs|takes\s+place|takes\s+effect)\b"
    r"|\b(?:that|which|who)\s+(?!is\b|was\b|has\b|this\b|thus\b|various\b|previous\b)[a-z]{3,}[^s]s\b"
)
_NOT_PAST_ED = {
    "expected", "scheduled", "slated", "planned", "proposed", "based", "need", "speed", "indeed", "feed",
    "red", "bed", "united", "limited", "related", "interested", "concerned", "supposed", "unexpected",
    "unprecedented", "advanced", "detailed", "so-called", "called", "named", "seed", "weed", "hundred",
    "listed", "shed", "bred", "fled", "sled", "wed",
}
_PAST_BEFORE_FUTURE = re.compile(r"\b(?:had\s+been|had|was|were)\s+$", re.IGNORECASE)
# Clause edges for tense: punctuation, "but", a comma before a connective, a reporting tail (", Claure said"),
# and a relative clause in the present ("the tour that stops at ... on July 22" after "reported").
_CLAUSE_BREAK = re.compile(
    r"[;:]|\s--?\s|\bbut\b|,\s+(?:and|while|as|after|before|which|who|when)\b"
    r"|,\s+(?=(?:[A-Z][\w'’.\-]*\s+){1,4}(?:said|says|told|added|wrote)\b)|,\s+(?=(?:said|says|added)\b)"
    r"|\b(?:that|which|who)\s+(?=(?!is\b|was\b|has\b)[a-z]{3,}s\b)"
    r"|,\s+(?=(?:has|have|had|is|are|was|were|will|would)\s+[a-z]+(?:ed|en)\b)"
)
FUTURE_BONUS = 12
AFTER_PENALTY = 10  # the verb governing a day adverb usually precedes it ("said Monday that it will...")


def _dist(cue: int, pos: int) -> int:
    return pos - cue if cue <= pos else cue - pos + AFTER_PENALTY


def tense_at(sentence: str, pos: int) -> str | None:
    """Tense that governs a time mention at `pos` in `sentence`: "future", "past", "present" or None.

    The nearest tense cue in the mention's clause decides, with a small bonus for future cues (news
    puts "will"/"is set to" a few words before the day). "was/had been scheduled to" counts as past.
    A present-tense action verb ("meets", "opens") reads as scheduled, i.e. "present".
    """
    lo, hi = 0, len(sentence)
    for b in _CLAUSE_BREAK.finditer(sentence):
        if b.end() <= pos:
            lo = b.end()
        elif b.start() >= pos:
            hi = b.start()
            break
    clause = sentence[lo:hi]
    p = pos - lo
    best: tuple[float, str] | None = None
    for m in _FUTURE_CUE.finditer(clause):
        kind = "past" if _PAST_BEFORE_FUTURE.search(clause, max(0, m.start() - 12), m.start()) else "future"
        d = _dist(m.start(), p) - (FUTURE_BONUS if kind == "future" else 0)
        if best is None or d < best[0]:
            best = (d, kind)
    for m in _PAST_CUE.finditer(clause):
        if m.group(0).lower() in _NOT_PAST_ED:
            continue
        d = _dist(m.start(), p)
        if best is None or d < best[0]:
            best = (d, "past")
    for m in _PRESENT_CUE.finditer(clause):
        d = _dist(m.start(), p)
        if best is None or d < best[0]:
            best = (d, "present")
    return best[1] if best else None


# ---------------------------------------------------------------------------------------------- helpers


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    idx = year * 12 + (month - 1) + delta
    return idx // 12, idx % 12 + 1


def _week(d: dt.date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y:04d}-W{w:02d}"


def _quarter(d: dt.date) -> int:
    return (d.month - 1) // 3 + 1


def _last_quarter(ref: dt.date) -> tuple[int, int]:
    q = _quarter(ref) - 1
    return (ref.year, q) if q else (ref.year - 1, 4)


def _number(word: str) -> int | None:
    w = word.lower()
    if w.isdigit():
        return int(w)
    return _NUMBERS.get(w)


def _weekday(ref: dt.date, wd: int, direction: str) -> dt.date:
    """Nearest `wd` before/at ref ("past"), at/after ref ("future"), or strictly next/last week."""
    diff = wd - ref.weekday()
    if direction == "past":
        return ref + dt.timedelta(days=diff if diff <= 0 else diff - 7)
    if direction == "future":
        return ref + dt.timedelta(days=diff if diff >= 0 else diff + 7)
    if direction == "last":  # "last Friday": strictly before ref
        return ref + dt.timedelta(days=diff if diff < 0 else diff - 7)
    if direction == "next":  # "next Friday": strictly after ref
        return ref + dt.timedelta(days=diff if diff > 0 else diff + 7)
    raise ValueError(direction)


def _direction(tense: str | None) -> str:
    """Weekday direction for a tense; untensed mentions in news mostly point back (or to today)."""
    return "future" if tense in ("future", "present") else "past"


def _month_year(ref: dt.date, month: int, day: int | None, tense: str | None) -> int:
    """Year of a month (and day) given without a year.

    News mostly means the publication year; the tense moves it only when that year's date lies well on
    the other side of ref (a past-tense "in December" written in March is last December).
    """
    cand = dt.date(ref.year, month, min(day or 15, 28))
    delta = (cand - ref).days
    if tense in ("future", "present"):
        return ref.year + 1 if delta < -60 else ref.year
    if tense == "past":
        return ref.year - 1 if delta > 60 else ref.year
    if delta > 200:
        return ref.year - 1
    if delta < -200:
        return ref.year + 1
    return ref.year


def _clock(text: str) -> str | None:
    """'2 p.m.' -> '14:00', '14:30' -> '14:30', 'noon' -> '12:00'."""
    t = text.lower().strip()
    if t.startswith("noon") or t == "midday":
        return "12:00"
    if t.startswith("midnight"):
        return "00:00"
    m = re.match(r"(\d{1,2})(?::(\d{2}))?\s?(a\.?m\.?|p\.?m\.?)?", t)
    if not m:
        return None
    h, mi = int(m.group(1)), int(m.group(2) or 0)
    ampm = (m.group(3) or "").replace(".", "")
    if ampm == "pm" and h < 12:
        h += 12
    elif ampm == "am" and h == 12:
        h = 0
    if h > 23 or mi > 59:
        return None
    return f"{h:02d}:{mi:02d}"


# ---------------------------------------------------------------------------------------------- rules
# Each rule: (compiled regex, resolver(match, ctx) -> (type, value) | None). The longest match wins.


@dataclass
class _Ctx:
    ref: dt.date
    sentence: str
    sent_start: int
    pos: int  # offset of the match in the sentence
    doc_quarter: int | None = None  # the quarter an earnings report is about ("third-quarter" results)

    @property
    def tense(self) -> str | None:
        return tense_at(self.sentence, self.pos)


def _g(m: re.Match, name: str) -> str | None:
    return m.groupdict().get(name)


def _day_of(m: re.Match, ctx: _Ctx) -> dt.date | None:
    """The day named by the groups of a day-level match (weekday, relative day, explicit date)."""
    ref = ctx.ref
    rel = (_g(m, "rel") or "").lower()
    if rel:
        if rel in ("today", "tonight", "this"):
            return ref
        if rel in ("tomorrow",):
            return ref + dt.timedelta(days=1)
        if rel in ("yesterday", "last"):
            return ref - dt.timedelta(days=1)
    if _g(m, "wd"):
        wd = _WEEKDAYS[_g(m, "wd").lower()]
        mod = (_g(m, "wmod") or "").lower()
        if _g(m, "mon") and _g(m, "day"):
            return _explicit_day(m, ctx)
        if mod in ("next", "this coming", "coming"):
            return _weekday(ref, wd, "next" if mod == "next" else "future")
        if mod in ("last", "this past", "past", "previous"):
            return _weekday(ref, wd, "last")
        if mod == "this":
            return _weekday(ref, wd, "future" if ctx.tense == "future" else "past")
        return _weekday(ref, wd, _direction(ctx.tense))
    if _g(m, "mon") and _g(m, "day"):
        return _explicit_day(m, ctx)
    return None


def _explicit_day(m: re.Match, ctx: _Ctx) -> dt.date | None:
    mon = _MONTHS[_g(m, "mon").lower().rstrip(".")]
    day = int(re.match(r"\d+", _g(m, "day")).group(0))
    year = int(_g(m, "year")) if _g(m, "year") else _month_year(ctx.ref, mon, day, ctx.tense)
    try:
        return dt.date(year, mon, day)
    except ValueError:
        return None


def _r_day(m: re.Match, ctx: _Ctx):
    d = _day_of(m, ctx)
    if d is None:
        return None
    part = (_g(m, "part") or "").lower()
    if part:
        return "TIME", f"{d.isoformat()}T{_DAYPARTS[part]}"
    if (_g(m, "rel") or "").lower() == "tonight":
        return "TIME", f"{d.isoformat()}TNI"
    return "DATE", d.isoformat()


def _r_daytime(m: re.Match, ctx: _Ctx):
    clock = _clock(_g(m, "clock"))
    if clock is None:
        return None
    d = _day_of(m, ctx) if (_g(m, "wd") or _g(m, "rel") or _g(m, "mon")) else _sentence_day(ctx)
    if d is None:
        return None
    return "TIME", f"{d.isoformat()}T{clock}"


def _sentence_day(ctx: _Ctx) -> dt.date:
    """Day for a bare clock time: the first explicit day named in the same sentence, else the ref day."""
    for rx, resolver in _DAY_RULES:
        mm = rx.search(ctx.sentence)
        if mm:
            sub = _Ctx(ctx.ref, ctx.sentence, ctx.sent_start, mm.start())
            res = resolver(mm, sub)
            if res and re.fullmatch(r"\d{4}-\d\d-\d\d", res[1][:10]):
                return dt.date.fromisoformat(res[1][:10])
    return ctx.ref


def _r_iso(m: re.Match, ctx: _Ctx):
    try:
        d = dt.date(int(m.group("y")), int(m.group("mo")), int(m.group("d")))
    except ValueError:
        return None
    return "DATE", d.isoformat()


def _r_slash(m: re.Match, ctx: _Ctx):
    y = int(m.group("y"))
    if y < 100:
        y += 1900 if y > 50 else 2000
    try:
        d = dt.date(y, int(m.group("mo")), int(m.group("d")))
    except ValueError:
        return None
    return "DATE", d.isoformat()


def _r_month(m: re.Match, ctx: _Ctx):
    mon = _MONTHS[m.group("mon").lower().rstrip(".")]
    mod = (_g(m, "mmod") or "").lower()
    if _g(m, "year"):
        year = int(_g(m, "year"))
    elif _g(m, "yrel"):
        yrel = _g(m, "yrel").lower()
        year = ctx.ref.year + (-1 if yrel == "last" else 1 if yrel == "next" else 0)
    elif mod == "last":
        year = ctx.ref.year if mon < ctx.ref.month else ctx.ref.year - 1
    elif mod == "next":
        year = ctx.ref.year if mon > ctx.ref.month else ctx.ref.year + 1
    elif mod == "this":
        year = ctx.ref.year
    else:
        year = _month_year(ctx.ref, mon, None, ctx.tense)
    return "DATE", f"{year:04d}-{mon:02d}"


def _r_year(m: re.Match, ctx: _Ctx):
    return "DATE", m.group("year")


def _r_quarter(m: re.Match, ctx: _Ctx):
    ref = ctx.ref
    if _g(m, "qn"):
        q = _ORDINALS[m.group("qn").lower()]
        if _g(m, "year"):
            return "DATE", f"{_g(m, 'year')}-Q{q}"
        yrel = (_g(m, "yrel") or "").lower()
        if yrel in ("last", "year-ago", "year-earlier"):
            return "DATE", f"{ref.year - 1}-Q{q}"
        if yrel == "next":
            return "DATE", f"{ref.year + 1}-Q{q}"
        if yrel == "this":
            return "DATE", f"{ref.year}-Q{q}"
        year = ref.year
        if q > _quarter(ref) and ctx.tense != "future" and q - _quarter(ref) > 1:
            year -= 1
        elif q > _quarter(ref) and ctx.tense == "past":
            year -= 1
        return "DATE", f"{year}-Q{q}"
    kind = (_g(m, "qkind") or "").lower()
    if kind in ("current", "this"):
        return "DATE", f"{ref.year}-Q{_quarter(ref)}"
    if kind == "next":
        y, q = (ref.year, _quarter(ref) + 1) if _quarter(ref) < 4 else (ref.year + 1, 1)
        return "DATE", f"{y}-Q{q}"
    y, q = _last_quarter(ref)
    if kind in ("year-ago", "year-earlier"):
        y -= 1
    return "DATE", f"{y}-Q{q}"


def _r_relative(m: re.Match, ctx: _Ctx):
    """this/last/next week|month|year, earlier this year, later this month, the week ahead..."""
    ref = ctx.ref
    mod = re.sub(r"\s+", " ", m.group("mod").lower())
    unit = m.group("unit").lower()
    step = 0
    if mod in ("last", "the past", "past", "the previous", "previous", "the last"):
        step = -1
    elif mod in ("next", "the coming", "coming", "the next", "the following"):
        step = 1
    if unit == "week":
        return "DATE", _week(ref + dt.timedelta(weeks=step))
    if unit == "weekend":
        sat = ref + dt.timedelta(days=5 - ref.weekday())
        if step == -1 or (step == 0 and mod not in ("this",) and ctx.tense == "past"):
            sat -= dt.timedelta(weeks=1)
        if step == 1 and ref.weekday() >= 5:
            sat += dt.timedelta(weeks=1)
        return "DATE", f"{_week(sat)}-WE"
    if unit == "month":
        y, mo = _shift_month(ref.year, ref.month, step)
        return "DATE", f"{y:04d}-{mo:02d}"
    if unit == "quarter":
        y, q = ref.year, _quarter(ref) + step
        if q == 0:
            y, q = y - 1, 4
        elif q == 5:
            y, q = y + 1, 1
        return "DATE", f"{y}-Q{q}"
    if unit in _SEASONS:
        return "DATE", f"{ref.year + step}-{_SEASONS[unit]}"
    return "DATE", f"{ref.year + step}"


def _r_week_ahead(m: re.Match, ctx: _Ctx):
    """'the week ahead' / 'the coming week': this week on a weekday, next week from Saturday on."""
    ref = ctx.ref
    return "DATE", _week(ref + dt.timedelta(days=2) if ref.weekday() >= 5 else ref)


def _r_ago(m: re.Match, ctx: _Ctx):
    ref = ctx.ref
    n = _number(m.group("n"))
    unit = m.group("unit").lower().rstrip("s")
    if n is None:
        return "DATE", "PAST_REF"
    if unit == "day":
        return "DATE", (ref - dt.timedelta(days=n)).isoformat()
    if unit == "week":
        return "DATE", _week(ref - dt.timedelta(weeks=n))
    if unit == "month":
        y, mo = _shift_month(ref.year, ref.month, -n)
        return "DATE", f"{y:04d}-{mo:02d}"
    if unit == "decade":
        return "DATE", str(ref.year - 10 * n)[:3]
    return "DATE", str(ref.year - n)


def _r_year_ago(m: re.Match, ctx: _Ctx):
    """'a year ago/earlier': the prior-year quarter in earnings talk, the prior year otherwise."""
    qm = re.search(r"\b(first|second|third|fourth)[- ]quarter", ctx.sentence, re.IGNORECASE)
    if qm:
        return "DATE", f"{ctx.ref.year - 1}-Q{_ORDINALS[qm.group(1).lower()]}"
    if ctx.doc_quarter:
        return "DATE", f"{ctx.ref.year - 1}-Q{ctx.doc_quarter}"
    return "DATE", str(ctx.ref.year - 1)


_QUARTER_ORDINAL = re.compile(r"\b(first|second|third|fourth)[- ]quarter\b", re.IGNORECASE)


def _doc_quarter(text: str, ref: dt.date) -> int | None:
    """The quarter a text keeps returning to ("third-quarter profit... the third quarter"), if any."""
    counts: dict[int, int] = {}
    for m in _QUARTER_ORDINAL.finditer(text):
        q = _ORDINALS[m.group(1).lower()]
        counts[q] = counts.get(q, 0) + 1
    if not counts:
        return None
    return max(counts, key=counts.get)


_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_UNITS = "one|two|three|four|five|six|seven|eight|nine"


def _r_spelled_year(m: re.Match, ctx: _Ctx):
    """'nineteen ninety-six' (broadcast transcripts) -> 1996."""
    words = re.split(r"[\s-]+", m.group("spelled").lower())
    tens = _TENS.split("|").index(words[1]) + 2
    unit = _UNITS.split("|").index(words[2]) + 1 if len(words) > 2 else 0
    return "DATE", str(1900 + tens * 10 + unit)


def _r_season(m: re.Match, ctx: _Ctx):
    mod = re.sub(r"\s+", " ", m.group("mod").lower())
    code = _SEASONS[m.group("unit").lower()]
    year = ctx.ref.year + (-1 if mod == "last" else 1 if mod == "next" else 0)
    return "DATE", f"{year}-{code}"


def _r_const(value: str, typ: str = "DATE"):
    return lambda m, ctx: (typ, value)


def _r_daypart_rel(m: re.Match, ctx: _Ctx):
    ref = ctx.ref
    word = m.group(0).lower()
    if "last night" in word or "overnight" in word:
        return "TIME", f"{(ref - dt.timedelta(days=1)).isoformat()}TNI"
    part = re.search(_DAYPART, word).group(0)
    return "TIME", f"{ref.isoformat()}T{_DAYPARTS[part]}"


def _r_this_year_end(m: re.Match, ctx: _Ctx):
    return "DATE", str(ctx.ref.year)


def _r_early_year(m: re.Match, ctx: _Ctx):
    rel = (_g(m, "yrel") or "").lower()
    if _g(m, "year"):
        return "DATE", _g(m, "year")
    return "DATE", str(ctx.ref.year + (-1 if rel == "last" else 1 if rel == "next" else 0))


def _r_in_month_rel(m: re.Match, ctx: _Ctx):
    """'earlier/later this month|week|year': the current unit."""
    unit = m.group("unit").lower()
    if unit == "week":
        return "DATE", _week(ctx.ref)
    if unit == "month":
        return "DATE", f"{ctx.ref.year:04d}-{ctx.ref.month:02d}"
    return "DATE", str(ctx.ref.year)


_WMOD = r"(?:(?P<wmod>(?i:this\s+coming|this\s+past|coming|next|last|this|previous))\s+)"
_DAYPART_SUFFIX = rf"(?:\s+(?P<part>{_DAYPART}))?"
_DAY_CORE = (
    rf"(?:{_WMOD}?(?P<wd>{_WD})(?:'s)?(?:,?\s+(?P<mon>{_MON})\s+(?P<day>{_DAYNUM})\b(?:,?\s+(?P<year>{_YEAR})\b)?)?"
    rf"|(?P<rel>(?i:today|tonight|tomorrow|yesterday))"
    rf"|(?P<mon2>{_MON})\s+(?P<day2>{_DAYNUM})\b(?:,?\s+(?P<year2>{_YEAR})\b)?)"
)


def _c(pattern: str, flags: int = 0) -> re.Pattern:
    return re.compile(pattern, flags)


class _FoldedMatch:
    """Presents mon2/day2/year2 (second alternatives) under mon/day/year for the resolvers."""

    def __init__(self, m: re.Match):
        self._m = m
        gd = dict(m.groupdict())
        for k in ("mon", "day", "year"):
            if gd.get(k) is None and gd.get(k + "2") is not None:
                gd[k] = gd[k + "2"]
        self._gd = gd

    def groupdict(self):
        return self._gd

    def group(self, name=0):
        if name == 0:
            return self._m.group(0)
        return self._gd.get(name)

    def start(self, *a):
        return self._m.start(*a)

    def end(self, *a):
        return self._m.end(*a)


_I = re.IGNORECASE
_DAY_RULES: list[tuple[re.Pattern, object]] = [
    # Weekday / relative day / month-day, with an optional part of day ("Friday morning").
    (_c(rf"\b(?:(?i:early|late|earlier|later)\s)?{_DAY_CORE}{_DAYPART_SUFFIX}\b"), _r_day),
    # Day-month ("29 October 2025").
    (_c(rf"\b(?P<day>{_DAYNUM})\s+(?P<mon>{_MON_FULL}|{_MON_ABBR}\.?)(?:,?\s+(?P<year>{_YEAR}))?\b"), _r_day),
]

_RULES: list[tuple[re.Pattern, object]] = [
    *_DAY_RULES,
    # Clock time attached to a day: "2 p.m. ET on Wednesday", "Wednesday at 2 p.m. ET", "2 p.m. ET".
    (_c(rf"\b(?P<clock>{_TIME})(?:,?\s+(?:on\s+)?{_DAY_CORE})?(?![\w])"), _r_daytime),
    (_c(rf"\b{_DAY_CORE},?\s+(?:at\s+|around\s+|by\s+)?(?P<clock>{_TIME})(?![\w])"), _r_daytime),
    # ISO and numeric dates.
    (_c(r"\b(?P<y>19\d\d|20\d\d)-(?P<mo>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12]\d|3[01])\b"), _r_iso),
    (_c(r"(?<![\d/.$])(?P<mo>0?[1-9]|1[0-2])/(?P<d>0?[1-9]|[12]\d|3[01])/(?P<y>(?:19|20)\d\d|\d\d)\b(?![/\d])"), _r_slash),
    # Month with year or modifiers: "October 2025", "last December", "December last year", "mid-December".
    (
        _c(
            rf"\b(?:(?i:early|late|mid|the\s+end\s+of|the\s+beginning\s+of|the\s+middle\s+of|end|start)[-\s]+)?"
            rf"(?:(?P<mmod>last|next|this|this\s+past|this\s+coming)\s+)?(?P<mon>{_MON_FULL}|{_MON_FULL.upper()}|"
            rf"(?:{_MON_ABBR})\.)(?:,?\s+(?P<year>{_YEAR})\b|\s+(?P<yrel>last|this|next)\s+year)?\b"
        ),
        _r_month,
    ),
    # Quarters.
    (
        _c(
            rf"\b(?:(?:the|its|a|this|last|next)\s+)?(?:(?P<yrel>this|last|next|year-ago|year-earlier)(?:\s+year's)?\s+)?"
            rf"(?:(?:fiscal|flat|comparable|corresponding)[-\s]+)?(?P<qn>first|second|third|fourth|1st|2nd|3rd|4th)"
            rf"[-\s]quarter(?:\s+of\s+(?P<year>{_YEAR}))?\b",
            _I,
        ),
        _r_quarter,
    ),
    (_c(rf"\b(?:the\s+)?(?P<year>{_YEAR})\s+(?:(?:first|second|third|fourth)\s+)?(?:quarter|period)\b", _I),
     lambda m, ctx: ("DATE", f"{m.group('year')}-Q{_last_quarter(ctx.ref)[1]}")),
    (_c(r"\b(?:the|this|its)\s+(?P<qkind>latest|current|year-ago|year-earlier|comparable year-ago|this)?\s*quarter\b(?![-\w])", _I),
     lambda m, ctx: _r_quarter(m, ctx)),
    (_c(r"\b(?P<qkind>this|next|last)\s+quarter\b", _I), lambda m, ctx: _r_quarter(m, ctx)),
    # Relative units.
    (_c(r"\b(?P<mod>this|last|next|the\s+past|the\s+previous|the\s+coming|the\s+following|the\s+next)\s+"
        r"(?P<unit>week|weekend|month|year|spring|summer|fall|autumn|winter)\b(?![-\w])", _I), _r_relative),
    (_c(r"\b(?P<mod>this\s+past|past|coming)\s+(?P<unit>weekend|week)\b", _I), _r_relative),
    (_c(r"\b(?:the\s+)?(?P<mod>)(?P<unit>weekend)\b", _I), _r_relative),
    (_c(r"\b(?:the|this)\s+(?:week|days?)\s+ahead\b|\bthe\s+coming\s+days\b", _I), _r_week_ahead),
    (_c(r"\b(?:earlier|later|early|late)\s+(?:this|in\s+the)\s+(?P<unit>week|month|year)\b", _I), _r_in_month_rel),
    (_c(rf"\b(?:early|late|mid|the\s+end\s+of|the\s+beginning\s+of|the\s+start\s+of|the\s+rest\s+of|later)[-\s]+"
        rf"(?:(?P<yrel>last|this|next)\s+year|(?P<year>{_YEAR}))\b", _I), _r_early_year),
    (_c(r"\b(?:the\s+end\s+of\s+the\s+year|year[- ]end|year's\s+end|the\s+current\s+(?:fiscal\s+)?year|"
        r"the\s+full\s+year|the\s+year\b(?![-\w]))", _I), _r_this_year_end),
    (_c(r"\b(?:a|one)\s+year\s+(?:ago|earlier|before)\b", _I), _r_year_ago),
    (_c(rf"\b(?P<n>{_NUMWORD})\s+(?P<unit>days?|weeks?|months?|years?|decades?)\s+ago\b", _I), _r_ago),
    (_c(r"\b(?:this|last|yesterday|tomorrow)\s+(?:morning|afternoon|evening|night)\b|\blast\s+night\b|\bovernight\b", _I),
     _r_daypart_rel),
    (_c(r"\b(?:the\s+|a\s+)?(?:comparable\s+)?year[- ](?:ago|earlier)(?:\s+(?:quarter|period))?\b", _I), _r_year_ago),
    (_c(r"\b(?:the|its)\s+latest\s+(?:period|quarter)\b", _I), lambda m, ctx: _r_quarter(m, ctx)),
    (_c(r"\b(?:(?P<mod>this\s+past|this|last|next|the\s+early|the\s+late|the)\s+)(?P<unit>spring|summer|fall|autumn|winter)\b",
        _I), _r_season),
    (_c(rf"\b(?P<spelled>nineteen\s+(?:{_TENS})(?:-(?:{_UNITS}))?)\b", _I), _r_spelled_year),
    # Years, fiscal years, decades.
    (_c(rf"\b(?:(?:fiscal|mid-|calendar)\s*)?(?<![$€£#\d,.])(?P<year>{_YEAR})\b(?!,\d|\.\d|-\d|\s*(?:–|-)\s*\d)"), _r_year),
    (_c(r"\b(?:the\s+(?:early\s+|late\s+|mid-?)?)?(?:(?P<dec>(?:19|20)\d0)s|'(?P<dec2>\d0)s)\b"),
     lambda m, ctx: ("DATE", (m.group("dec") or ("19" + m.group("dec2")))[:3])),
    # Reference words (only the ones TimeBank-style gold tags more often than not).
    (_c(r"\b(?:right\s+now|now|currently|at\s+present|these\s+days|nowadays|current)\b(?!-)", _I),
     _r_const("PRESENT_REF")),
    (_c(r"\b(?:recently|more\s+recently|recent\s+(?:years|months|weeks|days|decades)|past\s+years|"
        r"the\s+past(?!\s+(?:week|month|year|decade|century|two|three|four|five|few|several|\d)))\b", _I),
     _r_const("PAST_REF")),
    (_c(r"\b(?:the\s+(?:near\s+|distant\s+)?future|the\s+near\s+term|the\s+short\s+term|"
        r"(?:the\s+)?coming\s+(?:months|weeks|years|quarters)|future\s+quarters|a\s+later\s+date)\b", _I),
     _r_const("FUTURE_REF")),
]

# ---------------------------------------------------------------------------------------------- prefilter
# Why: most rules match nothing in a given article, yet each scans the whole text. Every rule needs at least
# one literal word to match (a month, "quarter", "ago", a digit...), so a rule runs only when one of its
# trigger strings occurs: `lower` triggers are looked up in the lower-cased text (safe for case-insensitive
# parts), `cased` ones in the text as is (for rules whose month/weekday names are case-sensitive). Skipping a
# rule never changes the result: without its trigger it cannot match (checked rule by rule on the TimeBank
# and extraction dev texts, whole and in 200-character windows).
# Every month name and abbreviation starts with the first three letters of the full name: "Jan", "JAN"...
_MONTH_CASED = tuple(f for name in _MON_FULL.split("|") for f in (name[:3], name[:3].upper()))
_WEEKDAY_LOWER = tuple(_WEEKDAYS)
_REL_DAY = ("today", "tonight", "tomorrow", "yesterday")
_DIGITS = tuple("0123456789")
_YEARISH = ("19", "20", "2100")
_UNIT_WORDS = ("week", "month", "year", "spring", "summer", "fall", "autumn", "winter")
_SEASON_WORDS = ("spring", "summer", "fall", "autumn", "winter")
_DAY_CORE_TRIGGERS = ((*_WEEKDAY_LOWER, *_REL_DAY), _MONTH_CASED)

# A clock time needs a digit before am/pm or a colon, or the words noon/midnight (a superset of _CLOCK).
_CLOCK_HINT = re.compile(r"\d(?::\d\d)?\s?(?:[ap]\.m|am|pm|AM|PM)|\d:\d|noon|midnight")

# One (lower, cased) pair per rule of _RULES, in the same order; a rule listed in _NEEDS_CLOCK also needs
# _CLOCK_HINT to match somewhere in the text.
_TRIGGERS: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    _DAY_CORE_TRIGGERS,  # weekday / relative day / month-day
    ((), _MONTH_CASED),  # day-month
    ((*_DIGITS, "noon", "midnight"), ()),  # clock time (and _CLOCK_HINT)
    _DAY_CORE_TRIGGERS,  # day core, then a clock time (and _CLOCK_HINT)
    (("-0", "-1"), ()),  # ISO date: the month after the first hyphen starts with 0 or 1
    (("/",), ()),  # numeric date
    ((), _MONTH_CASED),  # month with year or modifiers
    (("quarter",), ()),
    (("quarter", "period"), ()),
    (("quarter",), ()),
    (("quarter",), ()),
    (_UNIT_WORDS, ()),  # this/last/next week|month|year|season
    (("week",), ()),
    (("weekend",), ()),
    (("ahead", "coming"), ()),
    (("week", "month", "year"), ()),
    (("year", *_YEARISH), ()),  # early/late year
    (("year",), ()),  # the end of the year, year-end...
    (("year",), ()),  # a year ago
    (("ago",), ()),
    (("morning", "afternoon", "evening", "night"), ()),
    (("year",), ()),  # year-ago quarter
    (("latest",), ()),
    (_SEASON_WORDS, ()),
    (("nineteen",), ()),
    (_YEARISH, ()),  # bare years
    (("0s",), ()),  # decades
    (("now", "current", "present", "these"), ()),
    (("recent", "past"), ()),
    (("future", "term", "coming", "later"), ()),
]
assert len(_TRIGGERS) == len(_RULES), "one trigger entry per rule"
# Characters that a case-insensitive regex equates with an ASCII letter but str.lower() does not map to it
# (dotted capital I lowers to "i" + combining dot; dotless i and long s fold to "i" and "s" in `re`).
_ODD_CASE = re.compile("[\u0130\u0131\u017f]")


_NEEDS_CLOCK = frozenset({2, 3})
_RULE_TRIGGERS = [(frozenset(low), frozenset(cased)) for low, cased in _TRIGGERS]
_ALL_LOWER = frozenset().union(*(low for low, _ in _RULE_TRIGGERS))
_ALL_CASED = frozenset().union(*(cased for _, cased in _RULE_TRIGGERS))


def _active_rules(text: str) -> list[tuple[int, re.Pattern, object]]:
    """The rules whose trigger words occur in `text` (all of them when the text has odd-case letters)."""
    if _ODD_CASE.search(text):
        return [(i, rx, res) for i, (rx, res) in enumerate(_RULES)]
    lower = text.lower()
    found_lower = {t for t in _ALL_LOWER if t in lower}
    found_cased = {t for t in _ALL_CASED if t in text}
    clock = _CLOCK_HINT.search(text) is not None
    return [
        (i, rx, res)
        for i, ((rx, res), (low, cased)) in enumerate(zip(_RULES, _RULE_TRIGGERS, strict=True))
        if (not low.isdisjoint(found_lower) or not cased.isdisjoint(found_cased))
        and (clock or i not in _NEEDS_CLOCK)
    ]


_SENT_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n\s*\n|\n")


_ABBREV_END = re.compile(
    r"(?:\b(?:[A-Z]|Mr|Mrs|Ms|Dr|St|Sen|Rep|Gov|Gen|Lt|Col|Jr|Sr|Inc|Corp|Co|Ltd|No|vs|"
    rf"{_MON_ABBR})\.|\b(?:[A-Z]\.){{2,}})$"
)


def _sentences(text: str) -> list[tuple[int, int]]:
    """Cheap sentence spans: enough to find the tense around a mention, and fast on whole corpora."""
    spans, start = [], 0
    for b in _SENT_BOUNDARY.finditer(text):
        if "\n" not in b.group(0) and _ABBREV_END.search(text, max(0, b.start() - 12), b.start()):
            continue
        spans.append((start, b.start()))
        start = b.end()
    spans.append((start, len(text)))
    return spans


def _is_month_use(text: str, m: re.Match) -> bool:
    """Reject "May" the modal, "March" the verb/noun and name-like uses when there is no date context."""
    word = m.group("mon")
    if not word:
        return True
    bare = word.rstrip(".").lower()
    has_context = bool(_g(m, "year") or _g(m, "yrel") or _g(m, "mmod")) or m.group(0) != word
    if bare in ("may", "march"):
        if has_context:
            return True
        before = text[max(0, m.start() - 20):m.start()]
        return bool(re.search(r"\b(?:in|since|until|by|of|during|through|before|after|from|early|late|mid-?)\s*$",
                              before, re.IGNORECASE))
    if word.isupper() and len(word) > 3 and not has_context:
        return False  # shouting headline word
    return True


def _year_ok(text: str, m: re.Match) -> bool:
    after = text[m.end():m.end() + 20]
    before = text[max(0, m.start() - 3):m.start()]
    if _UNIT_AFTER_YEAR.match(after):
        return False
    if re.search(r"[$€£#]\s?$|No\.\s?$", before):
        return False
    return True


def find_times(text: str, ref: dt.date) -> list[TimeMention]:
    """All DATE/TIME expressions in `text`, resolved against `ref`, sorted by offset, non-overlapping."""
    if isinstance(ref, dt.datetime):
        ref = ref.date()
    candidates: list[tuple[int, int, int, object, re.Match]] = []
    for order, rx, resolver in _active_rules(text):
        for m in rx.finditer(text):
            s, e = m.start(), m.end()
            # Trim leading whitespace the optional prefixes may have left.
            while s < e and text[s].isspace():
                s += 1
            if e > s:
                candidates.append((s, e, order, resolver, m))
    # Longest first, then earliest rule: greedy non-overlapping selection.
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[2], c[0]))
    taken: list[tuple[int, int]] = []
    chosen = []
    for s, e, _order, resolver, m in candidates:
        if any(s < te and ts < e for ts, te in taken):
            continue
        fm = _FoldedMatch(m)
        if fm.group("mon") and not _is_month_use(text, fm):
            continue
        if resolver is _r_year and not _year_ok(text, m):
            continue
        chosen.append((s, e, resolver, fm))
        taken.append((s, e))
    chosen.sort(key=lambda c: c[0])
    sents = _sentences(text)
    doc_q = _doc_quarter(text, ref)
    out: list[TimeMention] = []
    si = 0
    for s, e, resolver, fm in chosen:
        while si < len(sents) - 1 and sents[si][1] <= s:
            si += 1
        ss, se = sents[si]
        ctx = _Ctx(ref, text[ss:max(se, e)], ss, s - ss, doc_q)
        res = resolver(fm, ctx)
        if not res:
            continue
        typ, value = res
        out.append(TimeMention(s, e, text[s:e], typ, value))
    return out
