"""Named entities by a light heuristic: capitalised phrases, known acronyms, aliases merged.

Why a heuristic and not a model: the embedded backend must run with no downloads, and storyline
matching only needs the handful of names an article keeps coming back to ("Bank of Japan", "Nvidia",
"ECB"). Rules:

- a run of capitalised words, joined through "of"/"for"/"de"/"&" ("Bank of Japan"), is one phrase;
  punctuation, role words ("Chair", "Governor") and stopwords ("The", "However") end a run, so
  "Federal Reserve Chair Jerome Powell" gives "Federal Reserve" and "Jerome Powell";
- a phrase seen only at the start of sentences is kept when it repeats and the word never appears in
  lower case elsewhere (so "Investors" at a sentence start is not a name);
- weekdays, months and title-case heading lines are ignored; "U.S." reads as "US";
- aliases ("Fed"/"Federal Reserve", "BoJ"/"Bank of Japan") and surnames after a full name ("Powell"
  after "Jerome Powell") count towards the same entity, shown in its first or fullest form.

Ranked by mentions, then first position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.pipeline.institutions import ALIASES
from bot.pipeline.sentences import split_sentences

_WORD = re.compile(r"(?:[A-Z]\.){2,}|[^\W\d_][\w&]*(?:['’\-][\w&]+)*")
_CONNECTORS = frozenset(
    {"of", "for", "de", "del", "della", "du", "des", "la", "le", "van", "von", "der", "&"}
)
_STOP = frozenset(
    """the a an and or but however this that these those there here it its he she they we i you his her
    their our my your what when where who whom why how if as after before while meanwhile still yet so
    some many most much more less few all any each every no not nor in on at for from by with without
    into onto over under about against between through during since until to of also then than thus
    instead although though because once do does did is are was were be been has have had will would
    shall should can could may might must according said says despite among amid while whether unlike
    mr mrs ms dr sen rep gov gen prof sir madam dame lord lady st today yesterday tomorrow tonight
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
    advertisement read more related share click subscribe comment comments photo video image
    yes ok oh well please thanks thank""".split()
)
_ROLES = frozenset(
    """chair chairman chairwoman chairperson governor president vice minister secretary chief executive
    ceo cfo spokesman spokeswoman spokesperson director deputy head senator representative
    commissioner prime premier chancellor king queen prince princess judge justice officer analyst
    economist strategist professor manager founder""".split()
)
_CORPORATE_SUFFIX = frozenset({"inc", "corp", "co", "ltd", "plc", "llc", "ag", "sa", "nv"})
_NOT_ENTITIES = frozenset(
    """GDP CPI PPI PCE PMI CEO CFO COO CTO AI TV PM AM ET EST EDT PT PST PDT GMT UTC BST CET JST ETF IPO
    EPS YOY QOQ FX OK PDF FAQ USD EUR JPY GBP CNY LLC INC PLC II III IV""".split()
)
_NORMALISE = {"U.S.": "US", "U.K.": "UK", "U.N.": "UN", "E.U.": "EU", "BOJ": "BoJ", "BOE": "BoE"}
def entity_key(name: str) -> str:
    """A comparison key for an entity name, so "Fed" and "Federal Reserve" (or "U.S." and "US") match."""
    key = " ".join(_NORMALISE.get(name, name).replace("’", "'").lower().split())
    return ALIASES.get(key, key)


@dataclass
class _Entity:
    surface: str
    first: int
    count: int = 0
    mid_sentence: int = 0
    forms: list[str] = field(default_factory=list)


def find_entities(text: str, limit: int = 12) -> list[str]:
    """The names `text` mentions most, most-mentioned first (ties: earliest first), at most `limit`."""
    if not text or limit <= 0:
        return []
    lower_words = {w.lower() for w in re.findall(r"\b[a-z][a-z'-]*\b", text)}
    found: dict[str, _Entity] = {}
    for sentence in split_sentences(text):
        if _is_title_case_line(sentence.text):
            continue
        for phrase, offset, initial in _phrases(sentence.text):
            key = entity_key(phrase)
            entity = found.setdefault(key, _Entity(phrase, sentence.start + offset))
            entity.count += 1
            entity.mid_sentence += 0 if initial else 1
            entity.forms.append(phrase)
    kept = {k: e for k, e in found.items() if _keep(e, lower_words)}
    _merge_surnames(kept)
    ranked = sorted(kept.values(), key=lambda e: (-e.count, e.first))
    return [e.surface for e in ranked[:limit]]


def _keep(entity: _Entity, lower_words: set[str]) -> bool:
    words = entity.surface.split()
    if len(words) == 1 and entity.surface.lower() in lower_words and not _is_acronym(entity.surface):
        # a common word that happens to be capitalised here ("Markets", "Stocks")
        return entity.mid_sentence >= 2 and entity.surface.lower() not in _STOP
    if entity.mid_sentence:
        return True
    return entity.count >= 2 or _is_acronym(entity.surface) or entity_key(entity.surface) in ALIASES.values()


def _merge_surnames(kept: dict[str, _Entity]) -> None:
    """Count "Powell" towards "Jerome Powell" when exactly one earlier full name ends that way."""
    for key, single in list(kept.items()):
        if " " in single.surface or _is_acronym(single.surface):
            continue
        owners = [
            e
            for e in kept.values()
            if e is not single
            and 2 <= len(e.surface.split()) <= 3
            and e.surface.split()[-1] == single.surface
            and not any(w.lower() in _CONNECTORS for w in e.surface.split())
            and e.first < single.first
        ]
        if len(owners) == 1:
            owners[0].count += single.count
            del kept[key]


def _is_acronym(word: str) -> bool:
    return 2 <= len(word) <= 6 and sum(ch.isupper() for ch in word) >= 2 and word.isalpha()


def _is_title_case_line(sentence: str) -> bool:
    """Headings capitalise every word; their runs are not names ("Fed Holds Rates Steady")."""
    if re.search(r"[.!?…:]['\"”’)]*$", sentence):
        return False
    words = [w for w in re.findall(r"[^\W\d_]+", sentence) if len(w) > 3]
    return len(words) >= 2 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and word.lower() not in _STOP and word.lower() not in _ROLES


def _phrases(sentence: str) -> list[tuple[str, int, bool]]:
    """(phrase, offset in the sentence, starts the sentence) for every run of capitalised words."""
    out: list[tuple[str, int, bool]] = []
    run: list[tuple[str, int]] = []
    first_word_at = None
    prev_end = 0

    def flush() -> None:
        while run and (run[-1][0].lower() in _CONNECTORS or run[-1][0].lower() in _CORPORATE_SUFFIX):
            run.pop()
        if run:
            phrase = " ".join(w for w, _ in run)
            if phrase not in _NOT_ENTITIES and len(phrase) > 1:
                out.append((phrase, run[0][1], run[0][1] == first_word_at))
        run.clear()

    for m in _WORD.finditer(sentence):
        word, start = m.group(0), m.start()
        if first_word_at is None:
            first_word_at = start
        word = _NORMALISE.get(word, word)
        word = re.sub(r"['’]s$", "", word)
        hyphen = re.match(r"([A-Z][\w&]*)-[a-z]", word)  # "Tokyo-based" → "Tokyo", then the run ends
        gap = sentence[prev_end:start]
        prev_end = m.end()
        if run and gap.strip():
            flush()  # punctuation between words ends a run
        if hyphen:
            run.append((hyphen.group(1), start))
            flush()
        elif _capitalised(word):
            run.append((word, start))
        elif run and (word == "&" or (word.islower() and word in _CONNECTORS)):
            run.append((word, start))  # "Bank of Japan", "AT & T"; dropped again if nothing follows
        else:
            flush()
    flush()
    return out
