"""Event titles from the sentence's own words: who does what, taken from the clause that holds the date.

Why rules and not a parser: the embedded backend downloads nothing, and an event title only needs the
clause around one time expression. The clause gives the actor (its subject, with institution short names
and people's family names) and the action (its verb and object, or the event noun the date is attached
to): "The show opens to the public on Friday" -> "Los Angeles Auto Show opens to the public" (the show
named earlier), "The 2020 Sentra, which goes on sale in late January, ..." -> "2020 Sentra goes on sale".

Steps, each a small function below:
  * tokens with offsets; the time expression's tokens are marked and never cut;
  * the sentence splits into clauses at commas, semicolons, dashes, relative words ("which", "who",
    "that", "where") and "but"/"while"/"and" + a new clause; a clause without a verb (an appositive, a
    fronted place) joins its left neighbour;
  * in the clause: subject = the words before the first verb group; a relative "which/who" clause takes
    the noun before it as its subject; pronouns and descriptions ("the company", "the central bank",
    "the show") resolve to a name used earlier;
  * the verb group is normalised to headline tense: "will open" / "is set to open" -> "opens", "will be
    announced" -> "to be announced", "is expected to lay off" keeps its hedge;
  * a date attached to an event noun ("Thursday's meeting between A and B", "the Fed's rate decision on
    Wednesday") titles the event noun instead;
  * at most eight words: articles go first, then trailing prepositional phrases (never half a name);
    no dangling "to"/"the".

`clause_of` also tells `events.py` whether a clause can hold an event at all (first person, negation,
a question, a dated noun without an action).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Clause", "clause_of", "title_for", "trimmed_clause", "MAX_TITLE_WORDS", "shorten_names"]

MAX_TITLE_WORDS = 8

# ---------------------------------------------------------------------------------------------- lexicon

_DETS = frozenset("the a an this that these those its his her their our my your some any each every another".split())
_PREPS = frozenset(
    """of in on at to for from by with about against between through during before after over under into
    onto upon within without across around near amid among per via than until till since toward towards
    st""".split()
)
_SUBORDINATORS = frozenset(
    "as after before because while whereas although though if unless once since when where so than despite"
    .split()
)
_CUT_WORDS = frozenset(
    """as after before because while whereas although though if unless once since despite amid ahead
    following so than which who whom whose where when that""".split()
)
_PRONOUNS = {"he": "person", "she": "person", "it": "thing", "they": "group"}
_FIRST_PERSON = frozenset("i we you me us my our your i'm we're you're i'll we'll you'll i've we've".split())
_FUTURE_MARKERS = ("will", "shall", "'ll")
_SCHEDULE_WORDS = frozenset("set due scheduled slated poised planned about going".split())
_HEDGE_WORDS = frozenset("expected likely unlikely".split())
_MODALS = frozenset("could may might would should can must".split())
_BE = frozenset("is are am was were be been being 's 're".split())
_HAVE = frozenset("has have had".split())
_NEGATION = frozenset("not n't never no won't can't cannot isn't aren't wasn't weren't don't doesn't".split())

# Base forms of verbs news uses for scheduled things; inflections are generated below.
_VERB_BASES = """
open close start begin end finish resume launch release publish announce unveil reveal present show
hold host meet visit travel fly head go come return arrive leave depart hit reach take make give get
play face host meet vote elect decide rule sign approve pass debate discuss consider review hear testify
speak address deliver report post issue file submit list trade price sell buy order book ship deliver
raise cut lower hike increase decrease keep set fix pay cost charge
lay kick wrap conclude convene gather rally march protest strike honor honour induct celebrate mark
stop tour perform run stage screen air broadcast premiere debut
invite pick choose select name appoint nominate award present judge hire fire
test try expect plan hope aim intend want seek need try agree refuse reject accept
enter exit join quit retire resign step move shift switch transition replace
introduce roll expand extend grow open close tighten loosen ease lift impose levy
clarify test light enjoy see watch bring help become remain stay continue
divulge disclose confirm deny answer respond tell say ask call warn urge
undergo complete spend announce complete finalize finalise settle
""".split()
_IRREGULAR = {
    "go": ("goes", "went", "gone"), "be": ("is", "was", "been"), "have": ("has", "had", "had"),
    "do": ("does", "did", "done"), "make": ("makes", "made", "made"), "take": ("takes", "took", "taken"),
    "give": ("gives", "gave", "given"), "get": ("gets", "got", "gotten"), "hold": ("holds", "held", "held"),
    "meet": ("meets", "met", "met"), "come": ("comes", "came", "come"), "leave": ("leaves", "left", "left"),
    "fly": ("flies", "flew", "flown"), "speak": ("speaks", "spoke", "spoken"), "sell": ("sells", "sold", "sold"),
    "buy": ("buys", "bought", "bought"), "pay": ("pays", "paid", "paid"), "cut": ("cuts", "cut", "cut"),
    "set": ("sets", "set", "set"), "keep": ("keeps", "kept", "kept"), "hit": ("hits", "hit", "hit"),
    "run": ("runs", "ran", "run"), "lay": ("lays", "laid", "laid"), "begin": ("begins", "began", "begun"),
    "choose": ("chooses", "chose", "chosen"), "see": ("sees", "saw", "seen"), "bring": ("brings", "brought",
    "brought"), "become": ("becomes", "became", "become"), "tell": ("tells", "told", "told"),
    "say": ("says", "said", "said"), "hear": ("hears", "heard", "heard"), "light": ("lights", "lit", "lit"),
    "undergo": ("undergoes", "underwent", "undergone"), "spend": ("spends", "spent", "spent"),
    "lift": ("lifts", "lifted", "lifted"), "grow": ("grows", "grew", "grown"), "show": ("shows", "showed", "shown"),
    "try": ("tries", "tried", "tried"), "quit": ("quits", "quit", "quit"), "put": ("puts", "put", "put"),
    "think": ("thinks", "thought", "thought"), "win": ("wins", "won", "won"), "lose": ("loses", "lost", "lost"),
    "send": ("sends", "sent", "sent"), "stand": ("stands", "stood", "stood"), "fall": ("falls", "fell", "fallen"),
    "rise": ("rises", "rose", "risen"), "build": ("builds", "built", "built"), "find": ("finds", "found", "found"),
    "stop": ("stops", "stopped", "stopped"), "plan": ("plans", "planned", "planned"),
    "ship": ("ships", "shipped", "shipped"), "step": ("steps", "stepped", "stepped"),
}


def _third_person(base: str) -> str:
    if base in _IRREGULAR:
        return _IRREGULAR[base][0]
    if re.search(r"(?:s|sh|ch|x|z|o)$", base):
        return base + "es"
    if re.search(r"[^aeiou]y$", base):
        return base[:-1] + "ies"
    return base + "s"


def _past(base: str) -> str:
    if base in _IRREGULAR:
        return _IRREGULAR[base][2]
    if base.endswith("e"):
        return base + "d"
    if re.search(r"[^aeiou]y$", base):
        return base[:-1] + "ied"
    return base + "ed"


_BASE_OF: dict[str, str] = {}
_FORM: dict[str, str] = {}  # word -> "base" | "3sg" | "past" | "ing"
for _b in [*_VERB_BASES, *_IRREGULAR]:
    _BASE_OF.setdefault(_b, _b)
    _FORM.setdefault(_b, "base")
    _t = _third_person(_b)
    _BASE_OF.setdefault(_t, _b)
    _FORM.setdefault(_t, "3sg")
    for _p in {_past(_b), _IRREGULAR.get(_b, ("", _past(_b)))[1]}:
        _BASE_OF.setdefault(_p, _b)
        _FORM.setdefault(_p, "past")
    _ing = (_b[:-1] if _b.endswith("e") and not _b.endswith("ee") else _b) + "ing"
    _BASE_OF.setdefault(_ing, _b)
    _FORM.setdefault(_ing, "ing")

# Nouns that name a happening: a date attached to one of these dates that happening.
_EVENT_NOUNS = frozenset(
    """meeting meetings summit talks negotiations conference decision decisions vote votes election
    elections referendum hearing hearings trial ceremony launch release debut premiere opening deadline
    report data figures results earnings auction sale sales game match matches tie final finals race
    concert show festival tour visit speech address testimony announcement statement review session
    appearance medical rematch kickoff showdown fixture gathering rally strike walkout protest
    imposition deliveries delivery ipo listing offering rollout update forum congress convention
    expo fair exhibition parade marathon tournament championship playoff derby inauguration
    swearing-in reopening shutdown closure retirement resignation departure arrival""".split()
)
# Descriptions that stand for a name used earlier ("the company", "the all-new sedan").
_DESCRIPTIONS = frozenset(
    """company firm group giant maker carmaker automaker retailer chain bank lender insurer airline startup
    business conglomerate brand manufacturer platform network operator provider developer publisher studio
    label band team club side squad country nation government administration ministry agency regulator
    city state league organisation organization federation association union party campaign
    sedan car suv model vehicle truck phone device console laptop tablet game series film movie
    show festival tour exhibition event conference summit fair expo album book
    minister president chancellor premier leader chief ceo executive singer actor actress star player
    coach manager striker goalkeeper keeper artist""".split()
)
_ROLE_WORDS = frozenset(
    """President Prime Minister Premier Chancellor Governor Chair Chairman Chairwoman Secretary Leader King
    Queen Mr Mrs Ms Dr Sen Rep Gov Senator Representative Judge Justice CEO Chief Executive Coach
    Director Commissioner Attorney General Ambassador Speaker Mayor New Former Vice Deputy Acting
    US U.S. Chinese Japanese American British French German""".split()
)
_TOKEN = re.compile(
    r"\$?\d[\d,.:]*%?|(?:[A-Za-z]\.){2,}|[A-Za-z0-9][\w&'’\-.]*[\w&']|[A-Za-z0-9]|[^\w\s]"
)


@dataclass
class Tok:
    text: str
    start: int
    end: int
    time: bool = False

    @property
    def low(self) -> str:
        return self.text.lower().replace("’", "'")

    @property
    def cap(self) -> bool:
        return self.text[:1].isupper()


def tokenize(sentence: str, span: tuple[int, int] | None = None) -> list[Tok]:
    toks = []
    for m in _TOKEN.finditer(sentence):
        text = m.group(0)
        end = m.end()
        if text.endswith(".") and len(text) > 1 and not re.fullmatch(r"(?:[A-Za-z]\.){2,}", text):
            text, end = text[:-1], end - 1
        t = Tok(text, m.start(), end)
        if span and t.start < span[1] and span[0] < t.end:
            t.time = True
        toks.append(t)
    return toks


def _is_verb(tok: Tok, prev: Tok | None) -> bool:
    low = tok.low
    if tok.time or (tok.cap and prev is not None):
        return False
    if low in _BE or low in _HAVE or low in _FUTURE_MARKERS or low in _MODALS or low in ("won't", "wo"):
        return True
    form = _FORM.get(low)
    if form is None:
        return False
    if prev is not None and prev.low in _DETS and form in ("base", "3sg", "ing"):
        return False  # "the show", "a meeting", "its release"
    if prev is not None and prev.low in ("'s",) :
        return False
    return True


# ---------------------------------------------------------------------------------------------- clauses


@dataclass
class Clause:
    tokens: list[Tok]
    antecedent: list[Tok]  # the noun phrase a relative "which/who/that" clause is about
    relative: str  # "", "subject" (which goes...), "object" (which Chelsea hope to announce)
    sentence: str


def _segments(toks: list[Tok]) -> list[tuple[int, int]]:
    """Index ranges of the comma/relative-word pieces of a sentence (time tokens never split)."""
    cuts = [0]
    for i, t in enumerate(toks):
        if t.time:
            continue
        if t.text in (",", ";", ":", "—", "–", "(", ")", "--") or (t.text == "-" and 0 < i < len(toks) - 1
                                                                   and toks[i - 1].end < t.start):
            cuts.append(i)
        elif t.low in ("which", "who", "where", "but", "while", "whereas", "although", "though") and i > 0:
            cuts.append(i)
        elif t.low == "that" and i > 0 and i + 1 < len(toks) and _is_verb(toks[i + 1], t):
            cuts.append(i)  # "the tour that stops at ...": a relative clause
        elif t.low == "and" and i > 0 and _has_verb(toks[cuts[-1]:i]) and _starts_clause(toks[i + 1:]):
            cuts.append(i)
    cuts.append(len(toks))
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if b > a:
            out.append((a, b))
    return out


def _has_verb(toks: list[Tok]) -> bool:
    return any(_is_verb(t, toks[i - 1] if i else None) for i, t in enumerate(toks))


def _starts_clause(rest: list[Tok]) -> bool:
    """After "and": a subject and its own verb follow ("and a jury will pick"), or a verb of the same subject."""
    if not rest:
        return False
    if _is_verb(rest[0], None) and rest[0].low in (*_FUTURE_MARKERS, *_MODALS, *_BE, *_HAVE):
        return True
    for i, t in enumerate(rest[:8]):
        if t.text in (",", ";"):
            return False
        if i > 0 and _is_verb(t, rest[i - 1]) and t.low in (*_FUTURE_MARKERS, *_MODALS, *_BE, *_HAVE):
            return True
    return False


def clause_of(sentence: str, span: tuple[int, int]) -> Clause:
    """The clause of `sentence` that holds the time expression at `span` (character offsets)."""
    toks = tokenize(sentence, span)
    segs = _segments(toks)
    idx = next((k for k, (a, b) in enumerate(segs) if any(t.time for t in toks[a:b])), 0)
    a, b = segs[idx]
    # A piece without a verb is an appositive or a fronted phrase: it belongs to its neighbour.
    while not _has_verb(_strip_punct(toks[a:b])) and idx > 0:
        idx -= 1
        a = segs[idx][0]
    if not _has_verb(_strip_punct(toks[a:b])) and idx + 1 < len(segs):
        b = segs[idx + 1][1]
    piece = _strip_punct(toks[a:b])
    antecedent: list[Tok] = []
    relative = ""
    if piece and piece[0].low in ("which", "who", "that") and a > 0:
        antecedent = _noun_phrase_before(toks[:a])
        relative = "subject" if len(piece) > 1 and _is_verb(piece[1], piece[0]) else "object"
        piece = piece[1:]
    elif piece and piece[0].low in _SUBORDINATORS | {"and", "but"}:
        piece = piece[1:]
    return Clause(piece, antecedent, relative, sentence)


def _strip_punct(toks: list[Tok]) -> list[Tok]:
    out = list(toks)
    while out and not out[0].text[0].isalnum() and out[0].text[0] not in "$" and not out[0].time:
        out.pop(0)
    while out and not out[-1].text[0].isalnum() and out[-1].text[0] not in "$%" and not out[-1].time:
        out.pop()
    return out


def _noun_phrase_before(toks: list[Tok]) -> list[Tok]:
    """The noun phrase that ends just before a relative word: "The 2020 Sentra, which..." -> The 2020 Sentra."""
    toks = _strip_punct(toks)
    out: list[Tok] = []
    for i in range(len(toks) - 1, -1, -1):
        t = toks[i]
        if _is_verb(t, toks[i - 1] if i else None) or t.text in (",", ";", ":") or t.time:
            break
        out.insert(0, t)
        if len(out) >= 10:
            break
    while out and (out[0].low in _PREPS or out[0].low in ("and", "or")):
        out.pop(0)
    return out


# ---------------------------------------------------------------------------------------------- verb group


@dataclass
class _Parts:
    subject: list[Tok]
    verb: list[str]  # headline-form verb words
    rest: list[Tok]  # object and adjuncts, time tokens removed
    passive: bool
    hedged: bool
    negated: bool


def _split_clause(clause: Clause) -> _Parts | None:
    toks = clause.tokens
    vi = next((i for i, t in enumerate(toks) if _is_verb(t, toks[i - 1] if i else None)), None)
    if vi is None:
        return None
    subject = toks[:vi]
    if clause.relative == "subject":
        subject = clause.antecedent
    elif clause.relative == "object":
        subject = toks[:vi]
    j = vi
    words = [t.low for t in toks]
    future = hedged = negated = passive = False
    kept: list[str] = []

    def at(k: int) -> str:
        return words[k] if k < len(words) else ""

    # Auxiliaries, schedule phrases and hedges, in the order news stacks them.
    while j < len(toks):
        w = at(j)
        if toks[j].time:
            j += 1
            continue
        if w in _NEGATION or w == "won't":
            negated = True
            if w == "won't":
                future = True
            j += 1
        elif w in _FUTURE_MARKERS:
            future = True
            j += 1
        elif w.endswith("ly") and w not in ("early", "only", "rally", "apply", "reply", "supply", "fly") and kept == [] \
                and j > vi:
            j += 1  # "will officially announce"
        elif w in _BE and at(j + 1) in _SCHEDULE_WORDS and at(j + 2) == "to":
            future = True
            j += 3
        elif w in _BE and at(j + 1) in _HEDGE_WORDS and at(j + 2) == "to":
            hedged = True
            negated = negated or at(j + 1) == "unlikely"
            kept += [at(j + 1), "to"]
            j += 3
        elif w in _BE and at(j + 1) == "to" and _FORM.get(at(j + 2)) == "base":
            future = True
            j += 2
        elif w in _MODALS:
            hedged = True
            kept.append(w)
            j += 1
        elif w in ("hope", "hopes", "plan", "plans", "aim", "aims", "intend", "intends", "want", "wants",
                   "expect", "expects", "seek", "seeks") and at(j + 1) == "to":
            kept += [w if clause.relative != "object" else w, "to"]
            hedged = True
            j += 2
        elif w in ("be", "is", "are", "am") and (
            _FORM.get(at(j + 1)) == "past" or re.fullmatch(r"[a-z]+ed", at(j + 1) or "-")
        ):
            passive = True
            j += 1
            break
        elif w in ("be", "is", "are", "am", "'s", "'re"):
            kept.append("be")
            j += 1
            break
        elif w in _HAVE and _FORM.get(at(j + 1)) == "past":
            j += 1
        else:
            break
    if j >= len(toks):
        if kept and kept[-1] == "be":
            return _Parts(subject, kept, [], passive, hedged, negated)
        return None
    main = toks[j]
    main_low = main.low
    verb: list[str] = list(kept)
    if kept and kept[-1] == "be":
        rest = toks[j:]
    else:
        verb.append(main_low)
        rest = toks[j + 1:]
        if passive:
            pass
        elif not _FORM.get(main_low) and not re.fullmatch(r"[a-z]+(?:s|ed)", main_low):
            if not future and not hedged:
                return None
    # Particles stay with their verb ("lay off", "kick off", "go on sale").
    return _Parts(subject, verb, [t for t in rest if not t.time], passive, hedged or False,
                  negated) if (future or hedged or passive or verb) else None


# ---------------------------------------------------------------------------------------------- names

_INSTITUTION_RX: list[tuple[re.Pattern, str]] = []


def _institutions() -> list[tuple[re.Pattern, str]]:
    if not _INSTITUTION_RX:
        from bot.pipeline.events import INSTITUTIONS

        for long, short in sorted(INSTITUTIONS.items(), key=lambda kv: -len(kv[0])):
            flags = re.IGNORECASE if long.startswith("the ") else 0
            _INSTITUTION_RX.append((re.compile(rf"(?<![\w-]){re.escape(long)}(?![\w-])", flags), short))
    return _INSTITUTION_RX


def shorten_names(text: str, article: str = "") -> str:
    """Institution short names; people to their family name; roles and "Country's" before a person dropped."""
    for rx, short in _institutions():
        text = rx.sub(short, text)
    words = text.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        # A run of capitalised words.
        if w[:1].isupper():
            j = i
            while j < len(words) and words[j][:1].isupper() and not words[j].endswith((",",)):
                j += 1
                if words[j - 1].endswith(("'s", "’s")):
                    break
            run = words[i:j]
            out.extend(_shorten_run(run, article, first=(i == 0)))
            i = j
            continue
        out.append(w)
        i += 1
    return " ".join(out)


_SHORT_NAMES = {"Xi Jinping": "Xi", "Li Qiang": "Li", "Kim Jong Un": "Kim", "Lee Jae-myung": "Lee"}


def _shorten_run(run: list[str], article: str, first: bool) -> list[str]:
    tail_possessive = run[-1].endswith(("'s", "’s"))
    core = [w.rstrip(",") for w in run]
    if tail_possessive:
        core[-1] = re.sub(r"['’]s$", "", core[-1])
    joined = " ".join(core)
    for long, short in _SHORT_NAMES.items():
        if joined.endswith(long):
            joined = short
            core = [short]
            break
    had_role = False
    # "Serbia's Novak Djokovic": a country's possessive describes the person after it.
    while len(core) > 1 and (core[0] in _ROLE_WORDS or core[0].endswith(("'s", "’s"))):
        had_role = True
        core.pop(0)
    person = 2 <= len(core) <= 3 and all(re.fullmatch(r"[A-Z][a-z'’\-]+", p) for p in core)
    if person and (had_role or _surname_used_alone(core, article)):
        core = [core[-1]]
    if tail_possessive:
        core[-1] = core[-1] + "'s"
    return core


def _surname_used_alone(core: list[str], article: str) -> bool:
    if not article:
        return False
    last = core[-1]
    full = " ".join(core)
    alone = len(re.findall(rf"(?<![\w-]){re.escape(last)}(?![\w-])", article))
    return alone > len(re.findall(re.escape(full), article))


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


def _names_in(text: str) -> list[tuple[int, str]]:
    out = []
    for m in _NAME_RUN.finditer(text):
        words = m.group(0).split()
        while words and words[0] in _NOT_NAMES:
            words.pop(0)
        if not words:
            continue
        name = re.sub(r"['’]s$", "", " ".join(words))
        before = text[max(0, m.start() - 2):m.start()]
        if m.start() > 0 and not before.strip() and text[max(0, m.start() - 2):m.start()] in ("", "\n"):
            pass
        out.append((m.start(), name))
    return out


def resolve_subject(subject: list[Tok], before: str, article: str, topic: list[str]) -> str | None:
    """A name for a pronoun or a description ("the company", "the show"); None when it needs none."""
    words = [t.text for t in subject]
    if not words:
        return None
    low = [w.lower() for w in words]
    if len(words) == 1 and low[0] in _PRONOUNS:
        names = [n for _, n in _names_in(before[-1500:])]
        if low[0] in ("he", "she"):
            people = [n for n in names if re.fullmatch(r"(?:[A-Z][a-z'’\-]+\s+){0,2}[A-Z][a-z'’\-]+", n)
                      and n not in topic[:0]]
            people = [p for p in people if _looks_like_person(p, article)]
            return people[-1] if people else None
        return names[-1] if names else None
    if low[0] != "the" or any(w[:1].isupper() for w in words[1:]):
        return None
    head = low[-1]
    # "the show" -> an earlier name ending in Show ("Los Angeles Auto Show").
    for _, name in reversed(_names_in(before[-4000:])):
        if name.split()[-1].lower() == head and len(name.split()) > 1:
            return name
    if head in ("bank", "central") or " ".join(low[-2:]) == "central bank":
        return None  # the central-bank rule in events.py names these
    if head in _DESCRIPTIONS:
        recent = [n for _, n in _names_in(before[-3000:])]
        for name in reversed(recent):
            if any(name == t or name in t or t in name for t in topic):
                return name
        return topic[0] if topic else None
    return None


def _looks_like_person(name: str, article: str) -> bool:
    parts = name.split()
    if len(parts) >= 2:
        return True
    return bool(re.search(rf"\b[A-Z][a-z]+\s+{re.escape(name)}\b", article))


# ---------------------------------------------------------------------------------------------- titles


def _plural(subject_words: list[str]) -> bool:
    low = [w.lower() for w in subject_words]
    if "and" in low:
        return True
    if not low:
        return False
    head = next((w for w in reversed(subject_words) if w.lower() not in _PREPS), subject_words[-1])
    cut = [i for i, w in enumerate(low) if w in ("of", "for", "from", "with", "on", "in")]
    if cut:
        head = subject_words[cut[0] - 1] if cut[0] > 0 else head
    h = head.lower()
    if h in ("they", "we"):
        return True
    if head[:1].isupper():
        return h.endswith("ers")
    return h.endswith("s") and not h.endswith(("ss", "us", "is", "'s", "’s"))


def _inflect(verb: list[str], plural: bool, passive: bool, hedged: bool) -> list[str]:
    if not verb:
        return []
    if passive:
        return [*verb[:-1], "to be", verb[-1]] if not hedged else [*verb[:-1], "be", verb[-1]]
    if hedged:
        return [("be" if w == "be" else w) for w in verb]
    out = list(verb)
    head = out[0]
    if head == "be":
        out[0] = "are" if plural else "is"
    elif _FORM.get(head) == "base":
        out[0] = head if plural else _third_person(head)
    elif _FORM.get(head) == "3sg" and plural:
        out[0] = _BASE_OF[head]
    return out


_DROP_FROM_REST = re.compile(r"^(?:on|at|in|by|from|beginning|starting|as\s+of|through|until|till|later|"
                             r"early|late|mid|officially|then|also|again|now|further)$", re.I)


def _rest_words(rest: list[Tok]) -> list[str]:
    """Object and complements up to the first clause-like cut, without the preposition the date took."""
    words: list[str] = []
    for k, t in enumerate(rest):
        if t.low in _CUT_WORDS and words:
            break
        if t.text in (",", ";", ":", "—", "–", "(", ")", "\"", "“", "”"):
            break
        if t.low in ("to",) and k + 1 < len(rest) and _FORM.get(rest[k + 1].low) == "base" and len(words) > 4:
            break
        words.append(t.text)
    # Prepositions orphaned by the removed date ("... on" / "... at 10 a.m.") and trailing fillers.
    return _trim_tail(words)


_TAIL_FILLERS = frozenset(
    """to the a an of on in at by for from with and or but its his her their our this that these those
    as than beginning starting until through later early late officially next last some about around""".split()
)


def _trim_tail(words: list[str]) -> list[str]:
    words = list(words)
    while words and (words[-1].lower() in _TAIL_FILLERS or not re.search(r"[\w$%]", words[-1])):
        words.pop()
    return words


def _compress(words: list[str]) -> list[str]:
    """At most MAX_TITLE_WORDS: drop articles, then trailing phrases (never half a name)."""
    if len(words) <= MAX_TITLE_WORDS:
        return words
    first = words[:1]
    body = [w for w in words[1:] if w.lower() not in ("the", "a", "an")]
    words = first + body
    while len(words) > MAX_TITLE_WORDS:
        # Drop the last prepositional phrase, or else the last word, keeping names whole.
        cut = max((i for i, w in enumerate(words) if i > 1 and w.lower() in _PREPS), default=None)
        if cut is not None and cut >= 3:
            words = words[:cut]
        else:
            k = len(words) - 1
            while k > 1 and words[k][:1].isupper() and words[k - 1][:1].isupper():
                k -= 1
            words = words[:k] if k >= 2 else words[:MAX_TITLE_WORDS]
        words = _trim_tail(words)
    return words


def _capitalise(words: list[str]) -> str:
    text = " ".join(words).strip()
    text = re.sub(r"\s+([,.;:!?%])", r"\1", text)
    text = text.replace("\u201c", "").replace("\u201d", "").replace('"', "")
    return text[:1].upper() + text[1:] if text else text


def _subject_words(subject: list[Tok]) -> list[str]:
    words = [t.text for t in subject if not t.time]
    while words and (words[0].lower() in _DETS and words[0].lower() not in ("this", "these")
                     or words[0].lower() in _SUBORDINATORS or words[0].lower() in ("and", "but", "then", "so")):
        words.pop(0)
    while words and words[0].lower() in ("also", "then", "meanwhile", "now", "still"):
        words.pop(0)
    # Fronted adverbials that slipped in ("In Europe where ...") end at the last comma-free stretch.
    return words


def title_for(clause: Clause, before: str, article: str, topic: list[str]) -> str | None:
    """A title from the clause's subject, verb and object; None when the clause gives no confident one."""
    parts = _split_clause(clause)
    if parts is None or parts.negated:
        return None
    subj_words = _subject_words(parts.subject)
    if not subj_words:
        return None
    if subj_words[0].lower() in _FIRST_PERSON:
        return None
    named = resolve_subject([Tok(w, 0, 0) for w in [("the" if t.low == "the" else t.text) for t in parts.subject
                                                    if not t.time]], before, article, topic)
    if named:
        subj_words = named.split()
    subj = shorten_names(" ".join(subj_words), article).split()
    if clause.relative == "object" and clause.antecedent:
        obj_words = [t.text for t in clause.antecedent]
        obj_words = obj_words[1:] if obj_words and obj_words[0].lower() in ("a", "an") else obj_words
        rest = obj_words + _rest_words(parts.rest)
        # "which Chelsea hope to announce" -> "Chelsea announce the deal": the hope is theirs, the deal the event.
        verb = [w for w in parts.verb if w not in ("hope", "hopes", "to", "want", "wants", "plan", "plans")]
        verb = _inflect(verb, _plural(subj), parts.passive, False)
    else:
        rest = _rest_words(parts.rest)
        verb = _inflect(parts.verb, _plural(subj), parts.passive, parts.hedged)
    rest = shorten_names(" ".join(rest), article).split()
    words = subj + " ".join(verb).split() + rest
    words = _trim_tail(words)
    if len(words) < 2:
        return None
    # The subject alone is too long: keep its head noun phrase (the words before "of"/"from"...).
    if len(subj) > 5:
        cut = next((i for i, w in enumerate(subj) if i > 0 and w.lower() in ("from", "across", "who", "which")), None)
        if cut:
            words = subj[:cut] + words[len(subj):]
    return _capitalise(_compress(words))


def trimmed_clause(clause: Clause, article: str) -> str:
    """The clause's own words, without the date, at most eight whole words and no dangling function word."""
    words = [t.text for t in clause.tokens if not t.time]
    words = [w for w in words if re.search(r"[\w$%]", w)]
    while words and (words[0].lower() in _DETS | _SUBORDINATORS | {"and", "but", "so", "then"}):
        words.pop(0)
    words = shorten_names(" ".join(words), article).split()
    words = _trim_tail([w for w in words if not _DROP_FROM_REST.match(w) or True])
    out: list[str] = []
    for w in words:
        if len(out) >= MAX_TITLE_WORDS:
            break
        out.append(w)
    return _capitalise(_trim_tail(out))


def event_noun_phrase(sentence: str, span: tuple[int, int]) -> tuple[list[str], str] | None:
    """(words, how) of an event noun phrase the date is attached to, or None.

    how = "possessive" for "Thursday's expected meeting between A and B", "attached" for "the Fed's rate
    decision on Wednesday" / "a meeting with fellow exporters next month".
    """
    toks = tokenize(sentence, span)
    idx = [i for i, t in enumerate(toks) if t.time]
    if not idx:
        return None
    first, last = idx[0], idx[-1]
    # Possessive date: "Thursday's meeting", "this week's negotiations".
    if toks[last].low.endswith("'s") or (last + 1 < len(toks) and toks[last + 1].low in ("'s",)):
        k = last + 1 if toks[last].low.endswith("'s") else last + 2
        np: list[str] = []
        while k < len(toks) and not _is_verb(toks[k], toks[k - 1]) and toks[k].text not in (",", ";", ".", "—"):
            if toks[k].low in _CUT_WORDS:
                break
            np.append(toks[k].text)
            k += 1
        return (np, "possessive") if any(w.lower() in _EVENT_NOUNS for w in np[:4]) else ([], "possessive")
    # Date right after a noun phrase: walk back over "on/at/in" to the nouns.
    k = first - 1
    while k >= 0 and toks[k].low in ("on", "at", "in", "this", "next", "later", "from", "by", "due"):
        k -= 1
    np_rev: list[Tok] = []
    while k >= 0 and not _is_verb(toks[k], toks[k - 1] if k else None) and toks[k].text not in (",", ";", ":"):
        np_rev.insert(0, toks[k])
        k -= 1
        if len(np_rev) >= 9:
            break
    heads = [i for i, t in enumerate(np_rev) if t.low in _EVENT_NOUNS]
    if not heads:
        return None
    # The noun phrase starts at the last determiner/possessive before the event noun.
    h = heads[0]
    start = 0
    for i in range(h, -1, -1):
        if np_rev[i].low in _DETS or np_rev[i].low.endswith("'s") or np_rev[i].low in _PREPS:
            start = i if np_rev[i].low.endswith("'s") and np_rev[i].cap else i + (np_rev[i].low in _PREPS)
            if np_rev[i].low.endswith("'s") and np_rev[i].cap:
                # "The Federal Reserve's rate decision": the owner's name runs back to its first capital.
                j = i
                while j > 0 and (np_rev[j - 1].cap or np_rev[j - 1].low in ("of", "&")):
                    j -= 1
                start = j
            break
    words = [t.text for t in np_rev[start:]]
    return words, "attached"
