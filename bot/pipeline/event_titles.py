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
from dataclasses import dataclass, field

from bot.pipeline.institutions import INSTITUTIONS

__all__ = ["Clause", "clause_of", "clause_is_past", "fit_words", "lower_first", "is_place", "clause_actor", "title_for", "trimmed_clause", "MAX_TITLE_WORDS", "shorten_names",
           "compose", "capitalise", "event_noun_phrase", "has_name"]

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
stop tour perform run stage screen broadcast premiere debut
invite pick choose select name appoint nominate award present judge hire fire
test try expect plan hope aim intend want seek need try agree refuse reject accept
enter exit join quit retire resign step move shift switch transition replace
introduce roll expand extend grow open close tighten loosen ease lift impose levy
clarify test light enjoy see watch bring help become remain stay continue
divulge disclose confirm deny answer respond tell say ask call warn urge
undergo complete spend announce complete finalize finalise settle happen occur
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
_TOKEN = re.compile(
    r"\$?\d+(?:[,.:]\d+)*%?|(?:[A-Za-z]\.){2,}|[A-Za-z0-9][\w&'’\-.]*[\w&']|[A-Za-z0-9]|[^\w\s]"
)


@dataclass
class Tok:
    text: str
    start: int
    end: int
    time: bool = False
    other: bool = False  # part of another date in the sentence: never in a title

    @property
    def low(self) -> str:
        return self.text.lower().replace("’", "'")

    @property
    def cap(self) -> bool:
        return self.text[:1].isupper()


def tokenize(sentence: str, span: tuple[int, int] | None = None,
             others: tuple[tuple[int, int], ...] = ()) -> list[Tok]:
    """Word tokens with offsets; those of the date at `span` are marked `time`, other dates `other`."""
    toks = []
    for m in _TOKEN.finditer(sentence):
        text = m.group(0)
        end = m.end()
        if text.endswith(".") and len(text) > 1 and not re.fullmatch(r"(?:[A-Za-z]\.){2,}", text):
            text, end = text[:-1], end - 1
        t = Tok(text, m.start(), end)
        if span and t.start < span[1] and span[0] < t.end:
            t.time = True
        elif any(t.start < e and s < t.end for s, e in others):
            t.other = True
        toks.append(t)
    return toks


_NOUN_FIRST = frozenset(
    """trade report release sale show rally review issue list order book cost price plan vote test tour set need
    hope end start run fly light name award present address debate march protest strike stage screen post file
    charge cut hike increase decrease deal record return visit rule pass order ship play face cost hit lift
    air stop step move shift switch open close""".split()
)
_NOUN_MODIFIERS = frozenset("next last first new final further more fewer job price rate trade".split())
_REPORTING = frozenset("said says say told added announced stated reported noted confirmed".split())
_AUX = _BE | _HAVE | _MODALS | frozenset(_FUTURE_MARKERS) | {"won't", "wo"}


def _is_verb(tok: Tok, prev: Tok | None, nxt: Tok | None = None) -> bool:
    """Rough part of speech from word lists and neighbours: auxiliaries, and known verbs not used as nouns."""
    low = tok.low
    if tok.time or (tok.cap and prev is not None):
        return False
    if low in _AUX:
        return True
    form = _FORM.get(low)
    if form is None:
        return False
    if prev is not None and (prev.low in _DETS or prev.low.endswith("'s") or prev.low in _NOUN_MODIFIERS) \
            and form in ("base", "3sg", "ing", "past") and not (prev.low == "that" and form in ("3sg", "past")):
        return False  # "the show", "a meeting", "its release", "Alibaba's listing"; but "that stops at"
    if form == "base" and low in _NOUN_FIRST and not (prev is not None and re.fullmatch(r"[a-z]+[^s']s", prev.low)) \
            and not (nxt is not None and nxt.low == "to"):
        return False  # "US-China trade talks": these words are nouns unless an auxiliary or "to" comes first
    if prev is None and form == "base":
        return False  # a clause does not open with a bare verb in news ("Air pollution is ...")
    if form == "ing" and (prev is None or prev.low not in _BE):
        return False  # a gerund or an adjective ("opening ceremony"), not a verb
    if nxt is not None and nxt.low in _AUX and form in ("3sg", "base"):
        return False  # "Job cuts will be announced": the noun before an auxiliary is the subject
    if nxt is not None and form in ("3sg", "base") and _FORM.get(nxt.low) in ("3sg", "base") and not nxt.cap:
        return False  # "the anniversary tour go on sale": a noun, then its verb
    if prev is not None and prev.low in _PREPS and form in ("base", "3sg") and prev.low != "to":
        return False  # "on sale", "in talks"
    return True


def _verb_at(toks: list[Tok], i: int) -> bool:
    return _is_verb(toks[i], toks[i - 1] if i else None, toks[i + 1] if i + 1 < len(toks) else None)


# ---------------------------------------------------------------------------------------------- clauses


@dataclass
class Clause:
    tokens: list[Tok]
    antecedent: list[Tok]  # the noun phrase a relative "which/who/that" clause is about
    relative: str  # "", "subject" (which goes...), "object" (which Chelsea hope to announce)
    sentence: str
    reporter: list[Tok] = field(default_factory=list)  # "Dresdner Bank" in "Dresdner Bank said it will ..."


def _segments(toks: list[Tok]) -> list[tuple[int, int]]:
    """Index ranges of the comma/relative-word pieces of a sentence (time tokens never split)."""
    cuts = [0]
    for i, t in enumerate(toks):
        if t.time:
            continue
        if t.text in (",", ";", ":", "—", "–", "(", ")", "--") or (t.text == "-" and 0 < i < len(toks) - 1
                                                                   and toks[i - 1].end < t.start):
            cuts.append(i)
        elif t.low in ("which", "who", "where", "when", "but", "while", "whereas", "although", "though", "once",
                       "because", "unless", "if") and i > 0:
            cuts.append(i)
        elif t.low == "that" and i > 0 and i + 1 < len(toks) and _verb_at(toks, i + 1):
            cuts.append(i)  # "the tour that stops at ...": a relative clause
        elif t.low == "that" and i > 0 and (_FORM.get(toks[i - 1].low) or _verb_at(toks, i - 1)
                                            or (i > 1 and _verb_at(toks, i - 2) and toks[i - 1].cap)):
            cuts.append(i)  # "sources told Reuters that Russia ...": a reported clause
        elif t.low == "and" and i > 0 and _has_verb(toks[cuts[-1]:i]) and _starts_clause(toks[i + 1:]):
            cuts.append(i)
        elif i > 0 and toks[i - 1].low in _REPORTING and t.low != "that" and not t.time and (
                _starts_clause(toks[i:]) or (t.low in _PRONOUNS and i + 1 < len(toks) and _verb_at(toks, i + 1))):
            cuts.append(i)  # "Dresdner Bank said | it will also buy ...": the report's content is the clause
    cuts.append(len(toks))
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if b > a:
            out.append((a, b))
    return out


def _has_verb(toks: list[Tok]) -> bool:
    return any(_verb_at(toks, i) for i in range(len(toks)))


def _starts_clause(rest: list[Tok]) -> bool:
    """After "and": a subject and its own verb follow ("and a jury will pick"), or a verb of the same subject."""
    if not rest:
        return False
    if rest[0].low in _AUX:
        return True
    for i, t in enumerate(rest[:8]):
        if t.text in (",", ";"):
            return False
        if i > 0 and t.low in _AUX:
            return True
    return False


def clause_of(sentence: str, span: tuple[int, int], others: tuple[tuple[int, int], ...] = ()) -> Clause:
    """The clause of `sentence` that holds the time expression at `span` (character offsets)."""
    toks = tokenize(sentence, span, others)
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
    if piece and piece[0].low in _AUX and idx > 0:
        # "Japan's prime minister, Sanae Takaichi, will meet ...": the subject is the appositive before.
        k = idx - 1
        left = _strip_punct(toks[segs[k][0]:segs[k][1]])
        # A modifier ("advertised in ...", "52 years old") or a relative clause ("who were invited ...") is
        # skipped for the noun phrase before it.
        while k > 0 and left and (left[0].text.islower() and left[0].low not in _DETS or left[0].text[0].isdigit()
                                  or left[0].low in ("who", "which")):
            k -= 1
            left = _strip_punct(toks[segs[k][0]:segs[k][1]])
        if left and not _has_verb(left):
            # A list ("Poland, the Czech Republic and Hungary") runs back over verbless pieces.
            while k > 0 and (items := _strip_punct(toks[segs[k - 1][0]:segs[k - 1][1]])) and not _has_verb(items) \
                    and items[0].cap and len(items) <= 4 and any(t.low == "and" for t in left):
                left = items + [Tok(",", 0, 0)] + left
                k -= 1
            piece = left + piece
    complement = piece and piece[0].low == "that" and a > 0 and (
        _verb_at(toks, a - 1) or _FORM.get(toks[a - 1].low) in ("ing", "past", "3sg")
        or toks[a - 1].low in _REPORTING or (a > 1 and toks[a - 2].low in _REPORTING))
    if piece and piece[0].low in ("which", "who", "that") and a > 0 and not complement:
        antecedent = _noun_phrase_before(toks, a)
        relative = "subject" if len(piece) > 1 and _verb_at(piece, 1) else "object"
        piece = piece[1:]
    elif piece and piece[0].low in _SUBORDINATORS | {"and", "but", "that"}:
        piece = piece[1:]
    reporter: list[Tok] = []
    if idx > 0 and a > 0 and toks[a - 1].low in _REPORTING | {"that"}:
        head = segs[idx - 1]
        words = _strip_punct(toks[head[0]:head[1]])
        rv = next((i for i, t in enumerate(words) if t.low in _REPORTING), None)
        if rv:
            reporter = words[:rv]
    return Clause(piece, antecedent, relative, sentence, reporter)


def _strip_punct(toks: list[Tok]) -> list[Tok]:
    out = list(toks)
    while out and not out[0].text[0].isalnum() and out[0].text[0] not in "$" and not out[0].time:
        out.pop(0)
    while out and not out[-1].text[0].isalnum() and out[-1].text[0] not in "$%" and not out[-1].time:
        out.pop()
    return out


def _noun_phrase_before(toks: list[Tok], end: int) -> list[Tok]:
    """The noun phrase that ends just before a relative word: "... the formalities of the deal, which" ->
    "the deal"; "The 2020 Sentra, which" -> "The 2020 Sentra". It starts at the nearest determiner (a
    name's own "of"/possessive included), or where a verb or punctuation stops it."""
    while end > 0 and toks[end - 1].text in (",", ";", ":", "—", "–", "(", ")"):
        end -= 1
    out: list[Tok] = []
    for i in range(end - 1, -1, -1):
        t = toks[i]
        if (i < end - 1 and (_verb_at(toks, i) or _FORM.get(t.low) == "ing")) or t.text in (",", ";", ":") or t.time:
            break  # the last word before "which"/"that" is the noun itself ("the reunion tour that ...")
        if t.low in _PREPS and not (out and (out[0].cap or out[0].text[0].isdigit()) and i > 0 and toks[i - 1].cap):
            break  # "details of [the tour]", but "Hall of Fame" stays whole
        out.insert(0, t)
        if t.low in _DETS and not (i > 0 and toks[i - 1].cap and toks[i - 1].low.endswith("'s")):
            break
        if len(out) >= 10:
            break
    while out and (out[0].low in _PREPS or out[0].low in ("and", "or")):
        out.pop(0)
    return out


# ---------------------------------------------------------------------------------------------- verb group


@dataclass
class _Parts:
    subject: list[Tok]
    verb: list[str]  # the verb words as written, auxiliaries and schedule phrases removed
    rest: list[Tok]  # object and adjuncts; the date and the preposition it took removed
    passive: bool
    hedged: bool
    negated: bool
    bare: bool = False  # the main verb is an unlisted base form ("will succeed")


def _split_clause(clause: Clause) -> _Parts | None:
    toks = clause.tokens
    vi = next((i for i in range(len(toks)) if _verb_at(toks, i)), None)
    if vi is None and clause.relative == "subject" and toks and toks[0].text.islower():
        vi = 0  # "The rights, which expire Nov. 21, ...": a word right after "which" is its verb
    if vi is None:
        return None
    subject = clause.antecedent if clause.relative == "subject" else toks[:vi]
    words = [t.low for t in toks]

    def at(k: int) -> str:
        return words[k] if k < len(words) else ""

    j = vi
    hedged = negated = passive = future = False
    kept: list[str] = []
    while j < len(toks):  # auxiliaries, schedule phrases and hedges, in the order news stacks them
        w = at(j)
        if toks[j].time or toks[j].other or w in _ADVERBS or (
                w.endswith("ly") and w not in ("early", "only", "rally", "apply", "reply", "supply", "likely", "unlikely")):
            j += 1  # "will officially announce", "will also buy", "is set to later announce"
        elif w in _NEGATION:
            negated = True
            j += 1
        elif w in _FUTURE_MARKERS or (w in _HAVE and _FORM.get(at(j + 1)) == "past"):
            future = future or w in _FUTURE_MARKERS
            j += 1
        elif w in _BE and at(j + 1) in _SCHEDULE_WORDS and at(j + 2) == "to":
            future = True
            j += 3
        elif w in _BE and at(j + 1) in _HEDGE_WORDS and at(j + 2) == "to":
            hedged = True
            negated = negated or at(j + 1) == "unlikely"
            kept += [at(j + 1), "to"]
            j += 3
        elif w in _BE and at(j + 1) == "to" and _FORM.get(at(j + 2)) == "base":
            j += 2
        elif w in _MODALS:
            hedged = True
            kept.append(w)
            j += 1
        elif w in _HOPE_VERBS and at(j + 1) == "to":
            hedged = True
            kept += [w, "to"]
            j += 2
        elif w in _BE and at(j + 1) in ("not", "n't"):
            negated = True
            j += 1
        elif w in _BE and _FORM.get(at(j + 1)) == "ing":
            j += 1  # "is meeting": a present arrangement
        elif w in _BE and (_FORM.get(at(j + 1)) == "past" or re.fullmatch(r"[a-z]+ed", at(j + 1) or "-")):
            passive = True
            j += 1
            break
        elif w in _BE:
            kept.append("be")
            j += 1
            break
        else:
            break
    bare = False  # a verb after "will" that the word list does not know: still a base form
    if kept and kept[-1] == "be":
        rest = toks[j:]
        verb = kept
    else:
        if j >= len(toks):
            return None
        main = toks[j].low
        if _FORM.get(main) == "ing":
            main = _BASE_OF[main]
        elif _FORM.get(main) is None and not passive and not re.fullmatch(r"[a-z]+", main):
            return None
        bare = future and main not in _FORM and not passive
        verb = [*kept, main]
        rest = toks[j + 1:]
    return _Parts(subject, verb, _without_date(rest), passive, hedged, negated, bare)


_CONNECTIVES = frozenset("also meanwhile now still moreover however furthermore separately additionally".split())
_ADVERBS = frozenset("also then still again now just soon finally first later jointly".split())
_HOPE_VERBS = frozenset("hope hopes plan plans aim aims intend intends want wants expect expects seek seeks".split())


def _without_date(toks: list[Tok]) -> list[Tok]:
    """Drop the date's tokens and the words that only introduced it ("on", "at", "beginning", "as of")."""
    out: list[Tok] = []
    for k, t in enumerate(toks):
        if t.time or t.other:
            while out and out[-1].low in _DATE_INTRO:
                out.pop()
            continue
        if t.low in ("onward", "onwards") and k and toks[k - 1].time:
            continue
        out.append(t)
    return out


_DATE_INTRO = frozenset("on at in by from beginning starting as of until till through later early late mid".split())


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


def is_place(name: str, article: str, least: int = 2) -> bool:
    """Mostly written after "in"/"at"/"from"/"to": a place, not an actor ("Hong Kong", "New York")."""
    uses = re.findall(rf"(\w+)\s+{re.escape(name)}(?![\w-])", article)
    if not uses:
        return False
    placed = sum(w.lower() in ("in", "at", "from", "to", "across", "near", "inside", "outside") for w in uses)
    total = len(re.findall(rf"(?<![\w-]){re.escape(name)}(?![\w-])", article))
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


# ---------------------------------------------------------------------------------------------- titles


def _plural(subject_words: list[str]) -> bool:
    low = [w.lower() for w in subject_words]
    if not low:
        return False
    if "and" in low:
        return True
    cut = next((i for i, w in enumerate(low) if i and w in ("of", "for", "from", "with", "on", "in", "at")), len(low))
    head = subject_words[cut - 1]
    h = head.lower()
    if h in ("they", "we"):
        return True
    if head[:1].isupper() and cut - 1 > 0:
        return h.endswith("ers")
    return h.endswith("s") and not h.endswith(("ss", "us", "is", "'s", "’s"))


def _inflect(verb: list[str], plural: bool, passive: bool, bare: bool = False) -> list[str]:
    """Headline tense: "opens", "are back", "to be announced", hedges kept ("expected to lay off")."""
    if not verb:
        return []
    out = list(verb)
    if passive:
        return [*out[:-1], *([] if out[:-1] else ["to"]), "be", out[-1]]
    head = out[0]
    if head == "be":
        out[0] = "are" if plural else "is"
    elif _FORM.get(head) == "base" or (bare and len(out) == 1):
        out[0] = head if plural else _third_person(head)
    elif _FORM.get(head) == "3sg" and plural:
        out[0] = _BASE_OF[head]
    return out


def _rest_words(rest: list[Tok]) -> list[str]:
    """Object and complements up to the first clause-like cut; a phrase cut in half goes too."""
    words: list[str] = []
    for t in rest:
        if (t.low in _CUT_WORDS and words) or t.text in (",", ";", ":", "—", "–", "(", ")"):
            if t.low in ("that", "which", "who", "where"):
                # "in areas that do not ...": the phrase only makes sense with what was cut.
                last_prep = max((i for i, w in enumerate(words) if w.lower() in _PREPS), default=None)
                if last_prep is not None:
                    words = words[:last_prep]
            break
        if t.text in ("“", "”", '"', "‘", "’", "'", "``", "''"):
            continue  # quotation marks are not words of a title
        words.append(t.text)
    return _trim_tail(words)


_TAIL_FILLERS = frozenset(
    """to the a an of on in at by for from with and or but its his her their our this that these those
    as than beginning starting until through later early late officially next last some about around
    be is are""".split()
)


def _trim_tail(words: list[str]) -> list[str]:
    words = list(words)
    while words and (words[-1].lower() in _TAIL_FILLERS or not re.search(r"[\w$%]", words[-1])):
        words.pop()
    return words


def _drop_last_phrase(words: list[str], floor: int) -> list[str]:
    """Drop the last prepositional phrase after `floor`, or else the last word (keeping a name whole)."""
    cut = max((i for i, w in enumerate(words) if i > floor and w.lower() in _PREPS), default=None)
    if cut is not None:
        return _trim_tail(words[:cut])
    k = len(words) - 1
    while k > floor and words[k][:1].isupper() and words[k - 1][:1].isupper():
        k -= 1
    return _trim_tail(words[:k])


def fit_words(words: list[str]) -> list[str]:
    """Any title cut to MAX_TITLE_WORDS: articles after the first word go, then trailing phrases."""
    if len(words) <= MAX_TITLE_WORDS:
        return _trim_tail(words) or words
    words = words[:1] + [w for w in words[1:] if w.lower() not in ("the", "a", "an")]
    while len(words) > MAX_TITLE_WORDS:
        shorter = _drop_last_phrase(words, 2)
        words = shorter if 2 <= len(shorter) < len(words) else _trim_tail(words[:MAX_TITLE_WORDS])
    return words


def _drop_descriptions(words: list[str]) -> list[str]:
    """"against defending champion Croatia" -> "against Croatia": lower-case words right before a name."""
    out = list(words)
    for i in range(len(out) - 1, 0, -1):
        if out[i][:1].isupper() and out[i - 1].islower() and out[i - 1] not in _PREPS | _DETS | {"and", "or"}:
            j = i - 1
            while j > 0 and out[j - 1].islower() and out[j - 1] not in _PREPS | _DETS | {"and", "or"}:
                j -= 1
            del out[j:i]
            break
    return out


def compose(subj: list[str], verb: list[str], rest: list[str]) -> list[str]:
    """At most MAX_TITLE_WORDS: drop articles, then the subject's own phrases ("Architects [from across
    the EU]"), then "to be" of a passive, then trailing phrases of the object."""
    def n() -> int:
        return len(subj) + len(verb) + len(rest)

    if n() > MAX_TITLE_WORDS:
        rest = [w for w in rest if w.lower() not in ("the", "a", "an")]
        subj = subj[:1] + [w for w in subj[1:] if w.lower() not in ("the", "a", "an")]
    if n() > MAX_TITLE_WORDS:
        cut = next((i for i, w in enumerate(subj) if i and (w.lower() in ("from", "across", "in", "at", "with")
                                                            or _FORM.get(w.lower()) == "ing")), None)
        if cut is None and len(subj) > 4:
            cut = next((i for i, w in enumerate(subj) if i and w.lower() in _PREPS and not subj[i + 1:i + 2] == [""]
                        and not (i + 1 < len(subj) and subj[i + 1][:1].isupper() and subj[i - 1][:1].isupper())),
                       None)
        if cut:
            subj = subj[:cut]
    if n() > MAX_TITLE_WORDS:
        rest = _drop_descriptions(rest)
    if n() > MAX_TITLE_WORDS and verb[:2] == ["to", "be"] and len(verb) == 3:
        verb = verb[-1:]
    while n() > MAX_TITLE_WORDS and rest:
        shorter = _drop_last_phrase(rest, 0)
        rest = shorter if len(shorter) < len(rest) else rest[:-1]
    words = subj + verb + rest
    if len(words) > MAX_TITLE_WORDS:
        words = _trim_tail(words[:MAX_TITLE_WORDS])
    return words


def capitalise(words: list[str]) -> str:
    text = " ".join(words).strip()
    text = re.sub(r"\s+([,.;:!?%])", r"\1", text)
    text = re.sub(r"[\"“”‘’](?!s\b)", "", text).strip()
    return text[:1].upper() + text[1:] if text else text


def _subject_words(subject: list[Tok]) -> list[str]:
    """The subject's words: after any date in it ("from October onward they"), without openers."""
    times = [i for i, t in enumerate(subject) if t.time]
    if times:
        subject = subject[times[-1] + 1:]
    words = [t.text for t in subject if t.low not in ("onward", "onwards") and (re.search(r"[\w$]", t.text)
                                                                                or t.text == "," and t.start == 0)]
    skip = _DETS - {"this", "these"} | _SUBORDINATORS | _PREPS | _CONNECTIVES | {"and", "but", "then", "so", "of"}
    lead: list[str] = []
    while words and words[0].lower() in skip:
        lead.append(words.pop(0))
    if lead and lead[-1].lower() == "the" and words:
        words.insert(0, "the")  # keep "the" for resolving descriptions; dropped when the title is built
    return words


def has_name(words: list[str], article: str = "") -> bool:
    """Does a title name someone? A capital after the first word does; the first word only when the article
    also writes it with a capital in mid-sentence (so "Deadline" or "Tickets" is no name)."""
    if any(w[:1].isupper() or w[:1].isdigit() for w in words[1:]):
        return True
    if not words or not words[0][:1].isupper():
        return False
    first = re.sub(r"['’]s$|[:,]$", "", words[0])
    if first.lower() in _COMMON_START:
        return False
    if article:
        if re.search(rf"[a-z,;] {re.escape(first)}\b", article):
            return True  # written with a capital in mid-sentence
        return not re.search(rf"(?<![\w-]){re.escape(first.lower())}(?![\w-])", article) and not first.endswith("s")
    return True


def lower_first(title: str, article: str) -> str:
    """The title's first letter in lower case after a "Name:" prefix, unless that word is itself a name."""
    words = title.split()
    if words and has_name([words[0], "x"], article):
        return title
    return title[:1].lower() + title[1:]


_COMMON_START = frozenset("the a an job jobs tickets order orders next this architects deadline".split())


def title_for(clause: Clause, before: str, article: str, topic: list[str]) -> str | None:
    """A title from the clause's subject, verb and object; None when the clause gives no confident one,
    "" when the clause announces nothing (negated: "won't travel"; first person: "I think ...")."""
    parts = _split_clause(clause)
    if parts is not None and parts.negated:
        return ""
    if parts is None:
        return None
    subj_words = _subject_words(parts.subject)
    if any(w.lower() in _FIRST_PERSON for w in subj_words):
        return ""
    if not subj_words:
        return None
    named = resolve_subject(subj_words, before, article, topic)
    if len(subj_words) == 1 and subj_words[0].lower() in _PRONOUNS and clause.reporter:
        # "Dresdner Bank said it will buy ...": the pronoun is the one reporting.
        reporter = _subject_words(clause.reporter)
        named = " ".join(w for w in reporter if w.lower() != "the") if has_name(reporter + reporter, article) else named
    if named:
        subj_words = named.split()
    elif subj_words[0].lower() in _PRONOUNS:
        return None
    if subj_words and subj_words[0].lower() == "the":
        subj_words = subj_words[1:]
    subj = shorten_names(" ".join(subj_words), article).split()
    verb = parts.verb
    rest = _rest_words(parts.rest)
    if clause.relative == "object" and clause.antecedent:
        # "the deal, which Chelsea hope to announce later today" -> "Chelsea announce the deal".
        obj = [t.text for t in clause.antecedent]
        rest = (obj[1:] if obj and obj[0].lower() in ("a", "an") else obj) + rest
        verb = [w for w in verb if w not in _HOPE_VERBS and w != "to"] or verb
    if parts.passive and verb[-1] in ("held", "hosted", "staged") and len(subj) > 1 and subj[0].endswith(("'s", "’s")):
        # "Alibaba's listing ceremony is due to be held" -> "Alibaba holds its listing ceremony".
        owner = re.sub(r"['’]s$", "", subj[0])
        base = _BASE_OF.get(verb[-1], "hold")
        return capitalise(compose([owner], [_third_person(base)], ["its", *subj[1:]]))
    if _only_happens(verb, rest, parts.passive) and len(subj) >= 2:
        # "The U.S. jobs report is due next week", "The G20 summit will take place": the subject is the event.
        return capitalise(compose(subj, [], []))
    verb_words = " ".join(_inflect(verb, _plural(subj), parts.passive, parts.bare)).split()
    rest = shorten_names(" ".join(rest), article).split()
    if not subj or not (verb_words or rest):
        return None
    return capitalise(compose(subj, verb_words, rest))


def _only_happens(verb: list[str], rest: list[str], passive: bool) -> bool:
    """A verb that says no more than "it happens then": be due, take place, be held (nothing after it)."""
    tail = [w.lower() for w in rest]
    if verb == ["be"] and tail[:1] in (["due"], ["scheduled"], ["expected"], ["slated"], ["set"], ["planned"]):
        return len(tail) <= 2
    if verb and _BASE_OF.get(verb[-1]) in ("take",) and tail[:1] == ["place"]:
        return len(tail) <= 1
    if passive and verb[-1] in ("held", "scheduled", "expected", "planned", "staged"):
        return not tail or tail[0] in ("at", "in")
    return verb and _BASE_OF.get(verb[-1]) in ("happen", "occur") and not tail


def clause_is_past(clause: Clause) -> bool:
    """The clause's own verb group is in the past ("was branded", "got a call"), with no future or modal."""
    toks = clause.tokens
    vi = next((i for i in range(len(toks)) if _verb_at(toks, i)), None)
    if vi is None:
        return False
    first = toks[vi].low
    if first in ("was", "were", "had", "did"):
        return True
    return _FORM.get(first) == "past" and first not in _BE and not (vi and toks[vi - 1].low in _BE | _HAVE)


def clause_actor(clause: Clause, before: str, article: str, topic: list[str]) -> str | None:
    """The clause's subject as a short name ("Russia", "Fed"), or None when it names nobody."""
    parts = _split_clause(clause)
    if parts is None:
        return None
    words = _subject_words(parts.subject)
    named = resolve_subject(words, before, article, topic)
    if named:
        words = named.split()
    words = [w for w in words if w.lower() != "the"]
    short = shorten_names(" ".join(words), article).split()
    if not short or len(short) > 4 or not all(w[:1].isupper() or w.lower() in ("of", "and", "&") for w in short):
        return None
    return " ".join(short)


def trimmed_clause(clause: Clause, article: str) -> str:
    """The clause's own words, without the date, at most eight whole words and no dangling function word."""
    words = [t.text for t in _without_date(clause.tokens)]
    words = [w for w in words if re.search(r"[\w$%]", w)]
    while words and (words[0].lower() in _DETS | _SUBORDINATORS | _CONNECTIVES | {"and", "but", "so", "then", "by"}):
        words.pop(0)
    words = shorten_names(" ".join(words), article).split()
    while len(words) > MAX_TITLE_WORDS:
        words = _drop_last_phrase(words, 1) if len(words) > 2 else words[:MAX_TITLE_WORDS]
    return capitalise(_trim_tail(words))


def event_noun_phrase(sentence: str, span: tuple[int, int]) -> tuple[list[str], str] | None:
    """(words, how) of the noun phrase a date is attached to, or None.

    how = "possessive" for "Thursday's expected meeting between A and B" (words empty when no event noun
    follows: "this week's negotiations" is not dated by itself), "before" for "a scheduled Dec. 15
    imposition of tariffs", "subject" for "the Fed's rate decision on Wednesday will ...", "adjunct" for
    "... at a meeting with fellow exporters next month".
    """
    toks = tokenize(sentence, span)
    idx = [i for i, t in enumerate(toks) if t.time]
    if not idx:
        return None
    first, last = idx[0], idx[-1]
    after = last + 1
    possessive = toks[last].low.endswith("'s") or (after < len(toks) and toks[after].low == "'s")
    if possessive or (after < len(toks) and toks[after].text[:1].islower() and toks[after].low not in _PREPS
                      and toks[after].low not in _CUT_WORDS and not _verb_at(toks, after)
                      and toks[after].low not in _AUX and toks[after].low not in ("and", "or", "to")):
        k = after + (1 if after < len(toks) and toks[after].low == "'s" else 0)
        np: list[str] = []
        while k < len(toks) and not _verb_at(toks, k) and toks[k].text not in (",", ";", ".", "—", ":"):
            if toks[k].low in _CUT_WORDS or toks[k].time:
                break
            np.append(toks[k].text)
            k += 1
        has_event = any(w.lower() in _EVENT_NOUNS for w in np[:4])
        if possessive:
            return (np if has_event else []), "possessive"
        if has_event:
            return np, "before"
        return None
    k = first - 1
    while k >= 0 and toks[k].low in ("on", "at", "in", "this", "next", "later", "from", "by", "due"):
        k -= 1
    np_rev: list[Tok] = []
    while k >= 0 and not _verb_at(toks, k) and toks[k].text not in (",", ";", ":"):
        np_rev.insert(0, toks[k])
        k -= 1
        if len(np_rev) >= 9:
            break
    heads = [i for i, t in enumerate(np_rev) if t.low in _EVENT_NOUNS]
    if not heads:
        return None
    h = heads[0]
    start = 0
    for i in range(h, -1, -1):
        t = np_rev[i]
        if t.low in _PREPS:
            start = i + 1
            break
        if t.low.endswith("'s") and t.cap:
            j = i  # "The Federal Reserve's rate decision": the owner's name runs back to its first capital
            while j > 0 and (np_rev[j - 1].cap or np_rev[j - 1].low in ("of", "&")):
                j -= 1
            start = j
            break
        if t.low in _DETS:
            start = i
            break
    words = [t.text for t in np_rev[start:]]
    in_pp = start > 0 and np_rev[start - 1].low in _PREPS and np_rev[start].low in _DETS
    at_clause_start = k < 0 or toks[k].text in (",", ";", ":")
    if in_pp and not at_clause_start:
        return words, "adjunct"
    if at_clause_start and start == 0:
        return words, "subject"
    return None
