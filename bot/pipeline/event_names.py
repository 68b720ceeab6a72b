"""Names in event titles: institution short names, people by family name, and what "he", "it", "the
company" or "the show" refer to.

Why here and not in entities: a title needs one short name in place ("Takaichi", "BoJ", "Los Angeles Auto
Show"), read from the article around the clause; entities ranks whole articles' names for storylines.
Rules: a run of capitalised words is shortened to the family name when it is a person (a role word before
it, a country's possessive before it, or its last word used alone later and never in lower case); a place
(mostly written after "in"/"at"/"to") is never a person or an actor; a description ("the company", "the
all-new sedan") resolves to the nearest earlier name among the article's main names, "the show" to an
earlier name ending in "Show", "the prime minister" to the person named with that role.
"""

from __future__ import annotations

import re

from bot.pipeline.institutions import INSTITUTIONS

__all__ = ["shorten_names", "resolve_subject", "is_place"]


# Descriptions that stand for a name used earlier ("the company", "the all-new sedan").
_DESCRIPTIONS = frozenset(
    """company firm group giant maker carmaker automaker retailer chain bank lender insurer airline startup
    business conglomerate brand manufacturer platform network operator provider developer publisher studio
    label band team club side squad country nation government administration ministry agency regulator
    city state league organisation organization federation association union party campaign
    sedan car suv model vehicle truck phone device console laptop tablet
    minister president chancellor premier leader chief ceo executive singer actor actress star player
    coach manager striker goalkeeper keeper artist""".split()
)
_ROLE_WORDS = frozenset(
    """President Prime Minister Premier Chancellor Governor Chair Chairman Chairwoman Secretary Leader King
    Queen Mr Mrs Ms Dr Sen Rep Gov Senator Representative Judge Justice CEO Chief Executive Coach
    Director Commissioner Attorney General Ambassador Speaker Mayor""".split()
)
# Words that describe a role when one follows ("New Prime Minister", "US President"), never names by themselves.
_ROLE_MODIFIERS = frozenset("New Former Vice Deputy Acting US U.S. Chinese Japanese American British French German".split())


# ---------------------------------------------------------------------------------------------- names

_INSTITUTION_RX: list[tuple[re.Pattern, str]] = []


def _institutions() -> list[tuple[re.Pattern, str]]:
    if not _INSTITUTION_RX:
        for long, short in sorted(INSTITUTIONS.items(), key=lambda kv: -len(kv[0])):
            flags = re.IGNORECASE if long.startswith("the ") else 0
            _INSTITUTION_RX.append((re.compile(rf"(?<![\w-]){re.escape(long)}(?![\w-])", flags), short))
    return _INSTITUTION_RX


def shorten_names(text: str, article: str = "") -> str:
    """Institution short names; people to their family name; roles and "Country's" before a person dropped."""
    text = re.sub(r"(?<![\w.])U\.S\.(?:A\.)?(?!\w)", "US", text)
    text = re.sub(r"(?<![\w.])U\.K\.(?!\w)", "UK", text)
    for rx, short in _institutions():
        text = rx.sub(short, text)
    words = text.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        if words[i][:1].isupper():
            j = i
            while j < len(words) and (words[j][:1].isupper() or (words[j] in ("of", "&") and j + 1 < len(words)
                                                                  and words[j + 1][:1].isupper())):
                j += 1
                if words[j - 1].endswith(("'s", "’s", ",")):
                    break
            run = words[i:j]
            if len(run) == 1 and run[0].endswith(("'s", "’s")) and j < len(words) and _person_run(words[j:], article):
                # "Serbia's Novak Djokovic": the country's possessive only describes the person.
                k = j
                while k < len(words) and words[k][:1].isupper():
                    k += 1
                    if words[k - 1].endswith(("'s", "’s", ",")):
                        break
                out.extend(_shorten_run(words[j:k], article, person=True))
                i = k
                continue
            out.extend(_shorten_run(run, article))
            i = j
            continue
        out.append(words[i])
        i += 1
    return " ".join(out)


def _person_run(words: list[str], article: str) -> bool:
    run = []
    for w in words:
        if not w[:1].isupper():
            break
        run.append(w.rstrip(","))
        if w.endswith(("'s", "’s", ",")):
            break
    core = [w.rstrip(",") for w in run if w not in _ROLE_WORDS and w not in _ROLE_MODIFIERS]
    return 2 <= len(core) <= 3 and all(re.fullmatch(r"[A-Z][a-z'’\-]+(?:['’]s)?", p) for p in core) \
        and not _has_common_noun(re.sub(r"['’]s$", "", core[-1]), article)


_SHORT_NAMES = {"Xi Jinping": "Xi", "Li Qiang": "Li", "Kim Jong Un": "Kim", "Lee Jae-myung": "Lee"}


def _shorten_run(run: list[str], article: str, person: bool = False) -> list[str]:
    tail_possessive = run[-1].endswith(("'s", "’s"))
    core = [w.rstrip(",") for w in run]
    if tail_possessive:
        core[-1] = re.sub(r"['’]s$", "", core[-1])
    joined = " ".join(core)
    for long, short in _SHORT_NAMES.items():
        if joined.endswith(long):
            core = [short]
            break
    had_role = False
    while len(core) > 1 and (core[0] in _ROLE_WORDS or core[0] in _ROLE_MODIFIERS and core[1] in _ROLE_WORDS):
        had_role = True
        core.pop(0)
    if is_place(" ".join(core), article, least=1):
        person = had_role = False
    shape = 2 <= len(core) <= 3 and all(re.fullmatch(r"[A-Z][a-z'’\-]+", p) for p in core)
    if shape and (person or had_role or _surname_used_alone(core, article)):
        core = [core[-1]]
    if tail_possessive:
        core[-1] = core[-1] + "'s"
    return core


def _surname_used_alone(core: list[str], article: str) -> bool:
    """A family name: used on its own later in the article, and never as a lower-case word."""
    if not article:
        return False
    last = core[-1]
    if re.search(rf"(?<![\w-]){re.escape(last.lower())}(?![\w-])", article):
        return False  # "Festival", "Center": common nouns in a name
    alone = len(re.findall(rf"(?<!{re.escape(core[-2])} )(?<![\w-]){re.escape(last)}(?![\w-])", article))
    return alone > 0


# ---------------------------------------------------------------------------------------------- resolution

_NAME_RUN = re.compile(
    r"(?<![\w.])(?:[A-Z][\w&'’\-.]*[\w&]|[A-Z])(?:\s+(?:of\s+(?:the\s+)?|de\s+|&\s+)?(?:[A-Z][\w&'’\-.]*[\w&]|\d{4}))*"
)
_NOT_NAMES = frozenset(
    """The A An In On At By For And But Or If As After Before When While This That These Those It Its He She
    They We I His Her Their Our Meanwhile Also Still Yet However Monday Tuesday Wednesday Thursday Friday
    Saturday Sunday January February March April May June July August September October November December
    Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Today Tomorrow Next Last There Here What Why How Who
    Some Many Most All One Two""".split()
)


def _names_in(text: str) -> list[str]:
    out = []
    for m in _NAME_RUN.finditer(text):
        words = m.group(0).split()
        while words and words[0] in _NOT_NAMES:
            words.pop(0)
        if words:
            out.append(re.sub(r"['’]s$", "", " ".join(words)))
    return out


def resolve_subject(subject: list[str], before: str, article: str, topic: list[str]) -> str | None:
    """A name for a pronoun or a description ("the company", "the show"); None when it needs none."""
    if not subject:
        return None
    low = [w.lower() for w in subject]
    if len(subject) == 1 and low[0] in ("he", "she"):
        people = [n for n in _names_in(before[-1500:]) if _looks_like_person(n, article)]
        return people[-1] if people else None
    if len(subject) == 1 and low[0] == "it":
        recent = [n for n in _names_in(before[-1500:]) if any(n == t or t in n for t in topic)]
        return recent[-1] if recent else None
    if low[0] != "the" or not subject[-1].islower():
        return None
    head = low[-1]
    role = " ".join(w for w in low[1:] if w not in ("new", "former", "current"))
    if role in _ROLES:
        # "the prime minister" -> the person named with that role earlier ("prime minister, Sanae Takaichi").
        named = list(re.finditer(rf"(?i:{role})\s*,?\s+((?:[A-Z][a-z'’\-]+\s+)?[A-Z][a-z'’\-]+)", before))
        return named[-1].group(1).split()[-1] if named else None
    # "the show" -> an earlier name ending in Show ("Los Angeles Auto Show").
    for name in reversed(_names_in(before[-4000:])):
        if name.split()[-1].lower() == head and len(name.split()) > 1:
            return name
    if head in ("bank",) or " ".join(low[-2:]) == "central bank":
        return None  # the central-bank rule in events.py names these
    if head in _DESCRIPTIONS:
        own = set(subject)
        for name in reversed(_names_in(before[-3000:])):
            if name in own or _NATIONALITY.fullmatch(name) or is_place(name, article):
                continue
            if any(name == t or t in name.split() for t in topic):
                return name
        named = [t for t in topic if not _NATIONALITY.fullmatch(t) and not is_place(t, article)]
        return named[0] if named else None
    return None


_ROLES = frozenset(
    """prime minister|president|chancellor|premier|governor|chair|chairman|chairwoman|chief executive|ceo|
    finance minister|foreign minister|secretary of state|treasury secretary|mayor|coach|manager""".replace("\n", "")
    .split("|")
)


_PLACE_WORDS = frozenset(("in", "at", "from", "to", "across", "near", "inside", "outside"))
_WORD_BEFORE = re.compile(r"(\w+)\s+$")


def is_place(name: str, article: str, least: int = 2) -> bool:
    """Mostly written after "in"/"at"/"from"/"to": a place, not an actor ("Hong Kong", "New York").

    One scan for the name itself (a literal search, fast on long articles), then a look at the word before
    each use; a pattern that starts with the word before would try every word of the article."""
    total = placed = 0
    after_word = 0
    for match in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", article):
        total += 1
        before = _WORD_BEFORE.search(article, max(0, match.start() - 40), match.start())
        if before:
            after_word += 1
            placed += before.group(1).lower() in _PLACE_WORDS
    if not after_word:
        return False
    return placed >= least and placed * 2 >= total


_NATIONALITY = re.compile(r"[A-Z][a-z]+(?:ese|ian|ish|ean|can|ch|i)|US|UK|EU")


def _looks_like_person(name: str, article: str) -> bool:
    parts = name.split()
    if is_place(name, article, least=1):
        return False
    if 2 <= len(parts) <= 3 and all(re.fullmatch(r"[A-Z][a-z'’\-]+", p) for p in parts):
        return not _has_common_noun(parts[-1], article)
    return len(parts) == 1 and bool(re.search(rf"\b[A-Z][a-z]+\s+{re.escape(name)}\b", article))


def _has_common_noun(word: str, article: str) -> bool:
    return bool(re.search(rf"(?<![\w-]){re.escape(word.lower())}(?![\w-])", article))
