"""Words to concepts: what lets "levy" find "tariff", "BoJ" find "Bank of Japan" and "8.8bn" find "$8.8 billion".

Retrieval and the extractive answer compare a question with a passage as sets of *concepts*, not
surface words. A concept is the light stem of a word (`retrieve.stem`), replaced by its group's name
when the word belongs to one of the small hand-made groups below:

- institution and country names and their short forms and adjectives (`ALIASES`): "BoJ" / "Bank of
  Japan", "US" / "U.S." / "United States" / "American";
- general news paraphrases (`SYNONYMS`): levy ~ tariff, households ~ customers, employ ~ staff. The
  groups are ordinary newsroom vocabulary, not topics of any particular article;
- numbers in any common form (`number_concepts`): "$8.8 billion", "8.8bn" and "8,800 million" are
  the same amount; "two hours" and "2 hours" the same count.

It also maps a question to the kind of answer it wants (`answer_type`: a number, a date, a name) and
tells whether a sentence holds one the question did not already state (`holds_answer_type`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.pipeline.institutions import TABLE
from bot.pipeline.terms import STOPWORDS, stem, words

# Short form -> the names it stands for. Multi-word names are matched as phrases. Institutions come
# from the one table (`institutions.TABLE`); the rest are other bodies news often abbreviates and
# countries with their adjectives.
ALIASES: dict[str, tuple[str, ...]] = {
    **{i.short.lower(): tuple(n.lower() for n in (i.long, *i.spellings) if not n.lower().startswith("the "))
       for i in TABLE},
    "sec": ("securities and exchange commission",),
    "ftc": ("federal trade commission",),
    "fda": ("food and drug administration",),
    "nasa": ("national aeronautics and space administration",),
    "nfl": ("national football league",),
    "nba": ("national basketball association",),
    "nhl": ("national hockey league",),
    "who": ("world health organization",),
    "wto": ("world trade organization",),
    "un": ("united nations",),
    "eu": ("european union",),
    "gop": ("republican party",),
    "us": ("united states", "u s", "usa", "america", "american", "americans"),
    "uk": ("united kingdom", "u k", "britain", "british", "great britain"),
    "china": ("chinese", "prc"),
    "japan": ("japanese",),
    "germany": ("german", "germans"),
    "france": ("french",),
    "india": ("indian", "indians"),
    "russia": ("russian", "russians"),
    "canada": ("canadian", "canadians"),
    "mexico": ("mexican", "mexicans"),
    "spain": ("spanish",),
    "italy": ("italian", "italians"),
    "korea": ("korean", "koreans"),
    "australia": ("australian", "australians"),
    "brazil": ("brazilian", "brazilians"),
    "nigeria": ("nigerian", "nigerians"),
    "europe": ("european", "europeans"),
    "austria": ("austrian", "austrians"),
    "bolivia": ("bolivian", "bolivians"),
    "syria": ("syrian", "syrians"),
    "israel": ("israeli", "israelis"),
    "iran": ("iranian", "iranians"),
    "turkey": ("turkish",),
    "ukraine": ("ukrainian", "ukrainians"),
    "switzerland": ("swiss",),
    "netherlands": ("dutch",),
    "sweden": ("swedish",),
    "norway": ("norwegian",),
}
# Only as a name, never as the ordinary word: "who" the question word and "us" the pronoun stay words
# unless written in capitals ("WHO", "US").
_CASE_SENSITIVE = frozenset({"who", "us", "un", "sec", "fed", "boc", "turkey", "g7", "g20"})

# General news paraphrases: every word of a group stands for the same concept.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("tariff", "levy", "duty", "duties", "levies"),
    ("household", "customer", "consumer", "subscriber", "user", "shopper", "buyer", "client", "patron"),
    ("employ", "employee", "staff", "worker", "workforce", "headcount", "personnel", "hire", "job"),
    ("cost", "price", "priced", "pay", "paid", "paying", "spend", "spent", "fee", "cheap", "cheapest",
     "expensive", "dearest", "priciest", "pricey", "costly"),
    ("buy", "purchase", "acquire", "acquisition", "bought", "takeover"),
    ("sell", "sale", "sold"),
    ("rise", "rose", "raise", "raised", "increase", "grow", "growth", "gain", "climb", "jump", "surge", "rally"),
    ("fall", "fell", "drop", "decline", "decrease", "slide", "slump", "plunge", "tumble", "lower"),
    ("die", "death", "dead", "kill", "fatality", "fatal", "died", "killed"),
    ("injure", "injury", "wound", "hurt", "injured"),
    ("founder", "cofounder", "establish", "creator"),
    ("begin", "began", "start", "kickoff", "kick", "commence", "launch", "debut", "unveil", "introduce"),
    ("lead", "led", "head", "chief", "leader", "helm"),
    ("company", "firm", "business", "corporation", "agency", "group"),
    ("hide", "hid", "hidden", "conceal", "stash"),
    ("punish", "punishment", "sentence", "penalty", "discipline", "jail", "prison"),
    ("say", "said", "claim", "tell", "told", "argue", "insist"),
    ("phone", "telephone"),
    ("car", "vehicle", "automobile", "automaker", "carmaker"),
    ("people", "person", "resident", "citizen", "individual", "population"),
    ("share", "percent", "percentage", "proportion", "portion", "fraction", "rate"),
    ("spectator", "attendance", "crowd", "audience", "fan", "viewer"),
    ("save", "saving", "savings"),
    ("free", "trial"),
    ("investigate", "investigation", "probe", "inquiry", "inquire", "examine", "review"),
    ("regulator", "watchdog", "authority", "commission"),
    ("law", "act", "legislation", "bill", "statute"),
    ("range", "distance", "mile", "kilometre", "kilometer"),
    ("motto", "theme", "slogan"),
    ("shot", "gunshot", "gunfire", "bullet", "gun"),
    ("doctor", "physician"),
    ("hospital", "hospitalise", "hospitalize", "admit", "clinic"),
    ("contract", "deal", "agreement", "sign", "signed"),
    ("school", "pupil", "student", "schoolchildren", "children", "kid"),
    ("money", "fund", "funding", "cash", "dollar"),
    ("study", "research", "paper", "survey", "report"),
    ("scientist", "researcher", "expert"),
    ("supplier", "vendor", "maker", "manufacturer", "make"),
    ("wait", "delay", "queue"),
    ("engine", "motor"),
    ("big", "large", "huge", "size"),
    ("small", "little", "tiny"),
    ("quick", "fast", "rapid"),
    ("ban", "prohibit", "forbid", "outlaw"),
    ("meeting", "meet", "met", "summit", "talks"),
    ("vote", "ballot", "poll", "election"),
    ("plan", "intend", "expect", "hope", "aim"),
    ("loan", "debt", "borrow", "borrowing", "owe", "obligation"),
    ("profit", "earnings", "income"),
    ("revenue", "sales", "turnover"),
    ("forecast", "outlook", "guidance", "projection"),
    ("alert", "alarm", "warning"),
    ("shift", "rota"),
    ("compensation", "compensate", "refund", "voucher", "payout", "damages", "reimburse", "reimbursement"),
    ("shop", "store", "supermarket", "retailer", "grocer", "outlet"),
    ("download", "install"),
    ("wealth", "wealthy", "rich", "richest", "fortune", "billionaire", "millionaire"),
    ("faint", "collapse", "swoon"),
    ("suspend", "suspension", "sideline"),
    ("arrest", "detain", "detention", "apprehend", "custody"),
    ("ruin", "spoil", "wreck"),
    ("tribute", "honour", "honor", "homage", "commemorate"),
    ("campaign", "initiative", "programme", "program", "scheme"),
    ("show", "performance", "production", "musical", "concert", "gig"),
    ("video", "footage", "clip", "recording", "film", "filmed"),
    ("illness", "disease", "sickness", "infection"),
)

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000, "dozen": 12,
}
_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "mln": 1e6, "billion": 1e9, "bn": 1e9,
          "b": 1e9, "trillion": 1e12, "tn": 1e12, "lakh": 1e5, "crore": 1e7}
_AMOUNT = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s*-?\s*(thousand|million|billion|trillion|lakh|crore|bn|mn|mln|tn|k|m|b)(?![a-z]))?(?![\d])",
    re.IGNORECASE,
)
_SPELLED = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")(?:[\s-]+(" + "|".join(_NUMBER_WORDS) + r"))?\b"
                      r"(?:\s+(thousand|million|billion|trillion))?", re.IGNORECASE)


@lru_cache(maxsize=4096)
def _groups() -> dict[str, str]:
    out: dict[str, str] = {}
    for group in SYNONYMS:
        name = "~" + stem(group[0])
        for word in group:
            out.setdefault(stem(word), name)
    return out


@lru_cache(maxsize=1)
def _alias_phrases() -> tuple[re.Pattern, dict[str, str]]:
    """One pattern for every long name (longest first, so "Bank of Japan" wins over "Japan") and the
    concept of each: a single pass over the text, however many names the table holds."""
    names = {name: "@" + short for short, long_names in ALIASES.items() for name in long_names}
    ordered = sorted(names, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in ordered) + r")\b"), names


@lru_cache(maxsize=100_000)
def concept(word: str) -> str:
    """The concept of one lower-cased word: its alias or synonym group, else its light stem, with an
    agent "-er" taken off long ones ("songwriter" meets "songwriting", "player" meets "play")."""
    if word in ALIASES and word not in _CASE_SENSITIVE:
        return "@" + word
    s = stem(word)
    if s in _groups():
        return _groups()[s]
    if len(s) >= 6 and s.endswith("er"):
        s = stem(s[:-2])
    return _groups().get(s, s)


_CAPS = re.compile(r"\b[A-Z][A-Za-z0-9]{1,4}\b|\bU\.S\.|\bU\.K\.")
_HYPHENATED = re.compile(r"\b([A-Za-z]+)-([A-Za-z]+)\b")
_TOKEN = re.compile(r"[^\W_]+")
_DIGIT = re.compile(r"\d")
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.I)
_SKIP = STOPWORDS | _CASE_SENSITIVE  # the case-sensitive names count only capitalised (below)


@lru_cache(maxsize=20_000)
def concepts(text: str) -> frozenset[str]:
    """Every concept `text` holds: words (stopwords aside), joined hyphenated words, names, numbers.

    Called for every candidate sentence of every question, so it makes one pass per kind of thing.
    """
    raw = _URL.sub(" ", text or "")  # a link's digits and path words are not what the sentence says
    lowered = " ".join(_TOKEN.findall(raw.lower().replace("’", "'").replace(".", " ")))
    out: set[str] = set()
    pattern, names = _alias_phrases()
    found = [m.group(0) for m in pattern.finditer(lowered)]
    if found:
        out.update(names[f] for f in found)
        lowered = pattern.sub(" ", lowered)  # "United States" is one name, not "united" and "states"
    for token in _CAPS.findall(raw):
        key = token.replace(".", "").lower()
        if key in ALIASES and (token.replace(".", "").isupper() or token == "Fed" or key not in _CASE_SENSITIVE):
            out.add("@" + key)
    for w in lowered.split():
        if w in _SKIP or (len(w) < 2 and not w.isdigit()):
            continue
        out.add(concept(w))
    if "-" in raw:
        for a, b in _HYPHENATED.findall(raw):  # "start-up" is also "startup"
            out.add(concept((a + b).lower()))
    out |= number_concepts(raw)
    return frozenset(out)


@lru_cache(maxsize=20_000)
def number_concepts(text: str) -> frozenset[str]:
    """Amounts as canonical tokens ("#8800000000"), so every written form of one amount compares equal."""
    return frozenset(_numbers(text))


def _numbers(text: str) -> set[str]:
    out: set[str] = set()
    if not text:
        return out
    for m in _AMOUNT.finditer(text) if _DIGIT.search(text) else ():
        digits, scale = m.group(1), (m.group(2) or "").lower()
        try:
            value = float(digits.replace(",", ""))
        except ValueError:
            continue
        value *= _SCALE.get(scale, 1.0)
        out.add(_canon(value))
    for m in _SPELLED.finditer(text or ""):
        first, second, scale = (g.lower() if g else None for g in m.groups())
        value = _NUMBER_WORDS[first]
        if second:
            value = value * _NUMBER_WORDS[second] if _NUMBER_WORDS[second] >= 100 else value + _NUMBER_WORDS[second]
        if scale:
            value *= _SCALE[scale]
        out.add(_canon(value))
    return out


def _canon(value: float) -> str:
    return "#" + (f"{value:.6g}" if value != int(value) else str(int(value)))


# -- answer types ---------------------------------------------------------------------------------

_TYPE_RULES = (
    ("date", re.compile(r"(?:^|[,;:]\s*)(?:and\s+)?when\b|\b(?:what|which)\s+(?:year|date|day|month|week)\b"
                        r"|\bin\s+(?:what|which)\s+(?:year|month)\b|\bhow\s+soon\b|\bby\s+when\b", re.I)),
    ("number", re.compile(r"\bhow\s+(?:many|much(?:\s+(?:money|cash))?|long|old|far|large|big|high|tall|fast|often|heavy|deep|wide)\b"
                          r"|\b(?:what|which)\s+(?:share|percentage|percent|proportion|portion|fraction|price|number|"
                          r"amount|size|sum|figure|time|rate|age|speed|range|distance|score|total|value|cost)\b"
                          r"|\bat\s+what\s+(?:price|rate|time|level|speed)\b|\bto\s+what\s+(?:price|level)\b", re.I)),
    ("name", re.compile(r"^\s*(?:and\s+)?(?:who|whom|whose)\b|\bwho\s+(?:is|was|were|are|will|did|has|had)\b"
                        r"|\b(?:which|what)\s+(?:\w+\s+){0,2}?(?:company|companies|firm|firms|player|players|"
                        r"scientist|person|people|team|brand|publisher|agency|regulator|award|country|city|town|"
                        r"county|landmark|law|group|organisation|organization|bank|name|material|band|singer|"
                        r"actor|actress|artist|author|official|minister|leader|party)\b"
                        r"|\bin\s+which\s+(?:\w+\s+)?(?:town|city|county|country|state|region)\b", re.I)),
)

_MONTHS = ("january february march april may june july august september october november december "
           "jan feb mar apr jun jul aug sep sept oct nov dec").split()
_DATE_IN_SENTENCE = re.compile(
    r"\b(?:1[5-9]|20)\d{2}\b|\b(?:" + "|".join(_MONTHS) + r")\b\.?|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b"
    r"|\b(?:today|tomorrow|yesterday|tonight)\b|\b(?:next|last|this)\s+(?:week|month|year)\b"
    r"|\b\d{1,2}(?::\d{2})?\s*(?:a\.m\.|p\.m\.|am|pm)\b|\bsince\b|\bquarter\b|\bspring|summer|autumn|fall|winter\b",
    re.I,
)
_ASKS_YEAR = re.compile(r"\b(?:what|which)\s+year\b", re.I)
_YEAR = re.compile(r"\b(?:1[5-9]|20)\d{2}\b")
_NUMBER_IN_SENTENCE = re.compile(
    r"\d|\b(?:" + "|".join(_NUMBER_WORDS) + r"|million|billion|trillion|percent|first|second|third|"
    r"fourth|fifth|dozens?|hundreds?|thousands?)\b", re.I)
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w'’&-]*[A-Za-z]")


def answer_type(question: str) -> str | None:
    """"number", "date" or "name" when the question's wording asks for one, else None."""
    for kind, pattern in _TYPE_RULES:
        if pattern.search(question or ""):
            return kind
    return None


def holds_answer_type(sentence: str, kind: str | None, question: str) -> bool:
    """Whether `sentence` holds something of `kind` that the question did not already say."""
    if kind is None:
        return True
    q_words = {w.lower() for w in words(question)}
    sentence = _URL.sub(" ", sentence)
    if kind == "number":
        numbers = number_concepts(sentence) - number_concepts(question)
        return bool(numbers - {"#1"}) or any(m.group(0).lower() not in q_words | {"one"}
                                             for m in _NUMBER_IN_SENTENCE.finditer(sentence)
                                             if not m.group(0).isdigit())
    if kind == "date":
        if _ASKS_YEAR.search(question):  # "in what year": a year, not "today" or "on Monday"
            return bool(set(_YEAR.findall(sentence)) - set(_YEAR.findall(question)))
        return any(m.group(0).lower().rstrip(".") not in q_words for m in _DATE_IN_SENTENCE.finditer(sentence))
    return any(m.group(0).lower() not in q_words and m.group(0).lower() not in STOPWORDS
               for m in _NAME.finditer(sentence))


# -- questions ------------------------------------------------------------------------------------

# Words that point at the source rather than the fact ("according to the WSJ piece"): they rarely
# appear in the article, so counting them would make every long question look off-topic.
_SOURCE_WORDS = frozenset("according piece column roundup post blog cited mentioned quoted".split())


def question_concepts(question: str) -> list[str]:
    """The question's concepts (see `concepts`) less its source-pointing words, in a stable order."""
    kept = " ".join(w for w in (question or "").split() if w.lower().strip(",.?!") not in _SOURCE_WORDS)
    for kind, pattern in _TYPE_RULES:
        if kind != "name":  # "what time", "in which year": they ask for the type, the answer won't repeat them
            kept = pattern.sub(" ", kept)
    return sorted(c for c in concepts(kept) if not c.isdigit())  # numbers count once, as "#n"


def name_concepts(question: str) -> frozenset[str]:
    """Concepts of the names a question gives (capitalised words after its first word): "Alex Stalock"."""
    tokens = (question or "").split()[1:]
    return frozenset(c for t in tokens if t[:1].isupper() for c in concepts(t.strip("?,.!'’\"")))


def match_words(terms: list[str], limit: int) -> list[str]:
    """Question words plus the other words of their alias and synonym groups, for the FTS MATCH."""
    out = list(terms)
    extra: list[str] = []
    for term in terms:
        c = concept(term)
        if c.startswith("@"):
            short = c[1:]
            extra += [short, *(w for name in ALIASES.get(short, ()) for w in name.split() if w not in STOPWORDS)]
        elif c.startswith("~"):
            extra += [w for w in _group_words().get(c, ()) if w != term]
    for w in extra:
        if len(out) >= limit:
            break
        if w not in out and " " not in w and "'" not in w:
            out.append(w)
    return out


@lru_cache(maxsize=1)
def _group_words() -> dict[str, tuple[str, ...]]:
    return {"~" + stem(group[0]): group for group in SYNONYMS}
