"""Match a new brief to the open storylines it continues, or open a new one with a short title.

Embedded matching, no model. For each open storyline the score is

    score = ALPHA × TF-IDF cosine(brief, storyline) + (1 − ALPHA) × entity overlap

- the brief side is its title (twice: headlines name the story), TL;DR, key points and the opening of
  the article; the storyline side is its title and the title/TL;DR/key points of its recent briefs;
- IDF is computed over the open storylines plus the new brief, so words every storyline shares
  ("rates", "markets") count for little and the words that set one story apart count for more;
- entity overlap is the share of the smaller entity set found in the other, on `entity_key` so "Fed"
  and "Federal Reserve" (or "BoJ" and "Bank of Japan") agree.

A brief never joins a storyline it shares no salient name with (an entity its headline or TL;DR names,
among the storyline's recent briefs' entities): words alone ("markets", "growth") or a name met in
passing do not make two articles one story.
A brief joins every storyline scoring at least THRESHOLD (at most two; the second must also reach
SECOND_RATIO of the best); if none does, it opens a new storyline titled from its dominant entity and
keyword. THRESHOLD, ALPHA and SECOND_RATIO were chosen with two-fold cross-validation over storyline
groups on the labelled articles in tests/fixtures/storylines (see bench/storyline_eval.py).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from bot.pipeline.entities import entity_key
from bot.pipeline.language import function_words, is_english
from bot.pipeline.models import StorylineAssignment, StorylineRef, Summary
from bot.pipeline.retrieve import STOPWORDS, stem, words

THRESHOLD = 0.2
ALPHA = 0.7
SECOND_RATIO = 0.6
MAX_LINKS = 2


@dataclass(frozen=True)
class MatchParams:
    """The tunable knobs, so the evaluation can search them without touching module state."""

    threshold: float = THRESHOLD
    alpha: float = ALPHA
    second_ratio: float = SECOND_RATIO

TEXT_WORDS = 250  # how much of the article body joins the brief's side of the comparison
TOP_ENTITIES = 8

# Words that say nothing about which story an article belongs to.
_GENERIC = frozenset(
    """year years month months week weeks day days time percent per cent new last next first second third
    one two three four five six seven eight nine ten million billion trillion may would could should
    might also still even much many more most less least well since ago around about near towards today
    tuesday monday wednesday thursday friday saturday sunday january february march april june july august
    september october november december report reports reported people officials official spokesman
    statement statements told tells expected expect expects including include includes sign signs show
    showed shows big small large larger largest high higher highest low lower lowest keep kept set sets
    make made take took see seen saw plan plans say says said added adding according agree agrees agreed
    stop stops stopped start starts started raise raises raised rise rises rose fall falls fell hold holds
    held ahead again after before latest president minister secretary chief executive governor chair
    leader leaders deputy vice prime government firm firms company companies group groups increase increases
    increased decrease another modest tell tells warn warns call calls hit hits boost move moves country
    countries world framework frameworks outline outlines""".split()
)
# Short names used in storyline titles ("Fed policy", "BoJ policy").
_SHORT = {
    "federal reserve": "Fed",
    "bank of japan": "BoJ",
    "bank of england": "BoE",
    "european central bank": "ECB",
    "people's bank of china": "PBoC",
    "united states": "US",
    "united kingdom": "UK",
    "european union": "EU",
    "international monetary fund": "IMF",
    "organization of the petroleum exporting countries": "OPEC",
}
_DEMONYMS = {"chinese": "China", "american": "US", "japanese": "Japan", "russian": "Russia", "german": "Germany",
             "french": "France", "british": "UK", "indian": "India", "korean": "Korea", "european": "Europe"}
_CENTRAL_BANKS = frozenset({"Fed", "BoJ", "BoE", "ECB", "PBoC"})
_POLICY_WORDS = frozenset(
    stem(w) for w in "rate rates cut cuts hike hikes decision meeting inflation policy tightening easing".split()
)
_KEYWORD_FORMS = {"tariff": "tariffs", "chip": "chips", "talk": "talks", "rat": "rates", "bond": "bonds"}


def assign_storylines(
    title: str,
    summary: Summary,
    entities: list[str],
    open_storylines: list[StorylineRef],
    text: str = "",
    language: str | None = None,
) -> StorylineAssignment:
    """Which of `open_storylines` the brief continues (ids), or the title of the one it opens."""
    return assign_with(title, summary, entities, open_storylines, text, MatchParams(), language)


def assign_with(
    title: str,
    summary: Summary,
    entities: list[str],
    open_storylines: list[StorylineRef],
    text: str,
    params: MatchParams,
    language: str | None = None,
) -> StorylineAssignment:
    doc = brief_document(title, summary, text)
    scores = score_storylines(doc, entities, open_storylines, params.alpha, salient_entities(title, summary, entities))
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    chosen: list[str] = []
    for sid, value in ranked:
        if (
            value < params.threshold
            or (chosen and value < params.second_ratio * ranked[0][1])
            or len(chosen) >= MAX_LINKS
        ):
            break
        chosen.append(sid)
    if chosen:
        return StorylineAssignment(existing=chosen)
    new_title = storyline_title(title, summary, entities, text, language)
    return StorylineAssignment(new_titles=[new_title] if new_title else [])


def brief_document(title: str, summary: Summary, text: str = "") -> str:
    body = " ".join((text or "").split()[:TEXT_WORDS])
    parts = [title or "", title or "", summary.tldr, *summary.key_points, body]
    return "\n".join(p for p in parts if p)


def storyline_document(ref: StorylineRef) -> str:
    return f"{ref.title}\n{ref.recent_text}"


def salient_entities(title: str, summary: Summary, entities: list[str]) -> set[str]:
    """The names the brief is about: those its headline or TL;DR mentions (the article's top three when
    they mention none). A name met only in passing ("NASA" in a piece about Saturn's moon) does not count."""
    head = f"{title or ''} {summary.tldr}".lower()
    named = {entity_key(e) for e in entities[:TOP_ENTITIES] if e.lower() in head or _short(e).lower() in head}
    return named or {entity_key(e) for e in entities[:3]}


def score_storylines(
    doc: str,
    entities: list[str],
    open_storylines: list[StorylineRef],
    alpha: float = ALPHA,
    salient: set[str] | None = None,
) -> dict[str, float]:
    """Score in [0, 1] per open storyline id; 0 for a storyline that shares none of the `salient` names
    (default: the brief's top entities)."""
    if not open_storylines:
        return {}
    bags = [_bag(storyline_document(s)) for s in open_storylines]
    mine = _bag(doc)
    idf = _idf([mine, *bags])
    my_vec = _weigh(mine, idf)
    my_entities = {entity_key(e) for e in entities[:TOP_ENTITIES]}
    gate = my_entities if salient is None else salient
    out: dict[str, float] = {}
    for ref, bag in zip(open_storylines, bags, strict=True):
        if gate and ref.entities and not gate & {entity_key(e) for e in ref.entities}:
            # Only a shared name ties two stories together; words alone ("markets", "growth") do not.
            out[ref.id] = 0.0
            continue
        ent = _entity_overlap(my_entities, ref)
        cos = _cosine(my_vec, _weigh(bag, idf))
        out[ref.id] = alpha * cos + (1 - alpha) * ent
    return out


def storyline_title(
    title: str, summary: Summary, entities: list[str], text: str = "", language: str | None = None
) -> str:
    """2–5 words: the dominant entity (short form, two when the headline pairs them) and a topic word.

    The topic word is the most salient content word (see `_keyword`) that is not part of an entity's
    name; for a central bank, rate-setting words read as "policy" ("BoJ policy" rather than "BoJ
    rates"). A text not in English is titled from its own salient words (`foreign_title`): the entity
    finder and the word lists here are English.
    """
    if not is_english(language):
        return foreign_title(title, text or summary.tldr, language)
    focus = _Focus(title or "", " ".join([summary.tldr, *summary.key_points]), text or "")
    surfaces: dict[str, str] = {}
    for e in entities[:4]:
        surfaces.setdefault(_short(e), e)
    names = [n for n in surfaces if len(n.split()) <= 3 and not _is_role(surfaces[n], f"{title} {text}")]
    lowered = (title or "").lower()
    in_title = [n for n in names if n.lower() in lowered or surfaces[n].lower() in lowered or _long_in(n, title)]
    lead = (in_title or names)[:1]
    banks = sum(n in _CENTRAL_BANKS for n in in_title[:2])
    paired = [n for n in in_title if _PAIR.match(n)]  # the headline pairs them itself: "US-China"
    if paired:
        lead = [paired[0].replace("-", "–")]
    elif len(in_title) >= 2 and all(len(n.split()) == 1 for n in in_title[:2]) and banks != 1:
        pair = sorted(in_title[:2], key=lambda n: n != "US")  # "US–China", as the press writes it
        lead = [f"{pair[0]}–{pair[1]}"]
    taken = {w.lower() for e in entities[:6] for w in re.split(r"[\s–'’]+", e)}
    taken |= {w.lower() for n in names for w in re.split(r"[\s–]+", n)}
    taken |= {w for n in names for k, v in _SHORT.items() if v == n for w in k.split()}
    keyword = _keyword(focus, taken)
    if keyword and lead and set(lead[0].split("–")) <= _CENTRAL_BANKS and stem(keyword) in _POLICY_WORDS:
        keyword = "policy"
    parts = lead + ([keyword] if keyword else [])
    if not parts:
        return ""
    label = " ".join(parts)
    if len(label.split()) < 2:
        extra = _keyword(focus, taken | {keyword or ""} | {label.lower()})
        if extra:
            label = f"{label} {extra}"
    label = " ".join(label.split()[:5])
    return label[:1].upper() + label[1:]


# -- internals --------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _bag(text: str) -> Counter:
    """Stemmed content-word counts. Cached: each open storyline's text is scored against every new brief.
    Callers only read the returned Counter."""
    return Counter(
        stem(w) for w in words(text) if w not in STOPWORDS and w not in _GENERIC and not w.isdigit() and len(w) > 2
    )


def _idf(bags: list[Counter]) -> dict[str, float]:
    n = len(bags)
    df: Counter = Counter()
    for bag in bags:
        df.update(bag.keys())
    return {t: math.log((1 + n) / (1 + d)) + 1 for t, d in df.items()}


def _weigh(bag: Counter, idf: dict[str, float]) -> dict[str, float]:
    return {t: (1 + math.log(c)) * idf.get(t, 1.0) for t, c in bag.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(t, 0.0) for t, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def _entity_overlap(mine: set[str], ref: StorylineRef) -> float:
    """Overlap with the storyline's core entities: those named by more than half of its recent briefs.

    Using the core and not the union keeps a round-up article (Fed, BoJ, trade talks in one piece) from
    making its storyline a magnet for every story it mentioned once.
    """
    briefs = max(1, ref.recent_text.count("\n") + 1) if ref.recent_text else 1
    counts = Counter(entity_key(e) for e in ref.entities)
    need = briefs // 2 + 1
    core = {k for k, c in counts.most_common(16) if c >= need}
    if not mine or not core:
        return 0.0
    return len(mine & core) / min(len(mine), len(core))


_ROLE_AFTER = r"\s+(?:Secretary|Secretaries|Minister|Ministry|Department|Dept\.?|Committee|Officials?)\b"


_PAIR = re.compile(r"^[A-Z][\w.]*-[A-Z][\w.]*$")


def _is_role(name: str, text: str) -> bool:
    """True when the name is mostly half of a job or office ("Commerce Secretary", "Treasury Department"):
    the story is about what the office does, not about "Commerce"."""
    total = len(re.findall(rf"\b{re.escape(name)}\b", text))
    roles = len(re.findall(rf"\b{re.escape(name)}{_ROLE_AFTER}", text))
    return total > 0 and roles * 2 >= total


def _short(entity: str) -> str:
    key = entity_key(entity)
    return _SHORT.get(key) or _DEMONYMS.get(key) or entity


def _long_in(short: str, title: str | None) -> bool:
    """True when the title names the entity in its long form ("Bank of Japan" for "BoJ")."""
    if not title:
        return False
    longs = [k for k, v in _SHORT.items() if v == short]
    return any(k in title.lower() for k in longs)


@dataclass(frozen=True)
class _Focus:
    """Where a storyline's topic word is looked for: the headline, the summary and the whole text."""

    headline: str
    summary: str
    text: str


def _keyword(focus: _Focus, taken: set[str]) -> str | None:
    """The most salient content word: salience = how often the whole article uses it (log-scaled, so a
    phrase repeated in the opening — "Treasury Secretary" — does not outweigh the article's subject) plus
    a bonus for being in the headline and in the summary. Ties go to the earlier word."""
    counts: Counter = Counter()
    first: dict[str, int] = {}
    surface: dict[str, str] = {}
    in_headline = {stem(w) for w in words(focus.headline)}
    in_summary = {stem(w) for w in words(focus.summary)}
    stream = words(" ".join([focus.headline, focus.summary, " ".join(focus.text.split()[:KEYWORD_WORDS])]))
    for i, w in enumerate(stream):
        if w in STOPWORDS or w in _GENERIC or w.isdigit() or len(w) < 3 or w in taken:
            continue
        key = stem(w)
        counts[key] += 1
        first.setdefault(key, i)
        surface.setdefault(key, w)
    if not counts:
        return None

    def salience(k: str) -> float:
        verb_form = surface[k].endswith(("ing", "ed")) and len(surface[k]) > 5  # "buying": a topic is a noun
        people = surface[k].endswith(_PEOPLE_SUFFIXES)  # "negotiators", "analysts": who, not what
        return (math.log(1 + counts[k]) + HEADLINE_BONUS * (k in in_headline) + SUMMARY_BONUS * (k in in_summary)
                - VERB_FORM_PENALTY * (verb_form or people))

    key = min(counts, key=lambda k: (-salience(k), first[k]))
    return _KEYWORD_FORMS.get(key, surface[key])


KEYWORD_WORDS = 3000
HEADLINE_BONUS = 1.0
SUMMARY_BONUS = 0.5
VERB_FORM_PENALTY = 0.5
# Plural nouns for people in a role: a storyline is titled by its subject, not by who speaks about it.
_PEOPLE_SUFFIXES = ("ators", "itors", "ctors", "ists", "makers", "traders", "investors", "officers")
_CJK_TERM = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]{2,8}|[\u30a0-\u30ff]{2,12}|[\uac00-\ud7af]{2,8}")


def foreign_title(title: str, text: str, language: str | None) -> str:
    """Two salient words of a text not in English, in its own words: the terms its headline shares with
    its body, most repeated first, never its function words ("die", "der"). Japanese and Chinese have no
    spaces: their terms are runs of kanji or katakana (particles are hiragana), Korean runs of Hangul."""
    code = (language or "").split("-")[0]
    sample = " ".join((text or "").split()[:KEYWORD_WORDS])
    if _CJK_TERM.search(f"{title} {sample[:2000]}"):
        terms = _CJK_TERM.findall(f"{title} {title} {sample}")
        surface = {t: t for t in terms}
    else:
        skip = function_words(code)
        raw = re.findall(r"[^\W\d_]{4,}", f"{title} {title} {sample}")
        terms = [w.lower() for w in raw if w.lower() not in skip]
        surface = {}
        for w in raw:
            surface.setdefault(w.lower(), w)
    if not terms:
        return ""
    counts = Counter(terms)
    in_title = set(_CJK_TERM.findall(title)) | {w.lower() for w in re.findall(r"[^\W\d_]{4,}", title)}
    ranked = sorted(counts, key=lambda t: (-(math.log(1 + counts[t]) + HEADLINE_BONUS * (t in in_title)),
                                            terms.index(t)))
    chosen: list[str] = []
    for term in ranked:
        if not any(term in c or c in term for c in chosen):
            chosen.append(term)
        if len(chosen) == 2:
            break
    return " ".join(surface[t] for t in chosen)
