"""Just enough English grammar to find who does what in the clause that holds a date.

Why rules and not a parser: the embedded backend downloads nothing, and an event title needs only the
clause around one time expression. Word lists (determiners, prepositions, auxiliaries, a few hundred verbs
with their generated forms) and the neighbours of a word decide its part of speech; ambiguous nouns
("trade", "report", "tour") count as verbs only after an auxiliary, "to" or a plural noun.

  * `tokenize`: tokens with offsets; the date's tokens are marked `time`, other dates `other`;
  * `clause_of`: the sentence splits at commas, semicolons, dashes, relative words ("which", "who",
    "that", "where", "when"), reporting verbs ("said it will ...") and "but"/"while"/"and" + a new clause;
    a piece without a verb (an appositive, a fronted place) joins its neighbour, a piece that opens with an
    auxiliary takes its subject from the left ("Japan's prime minister, Sanae Takaichi, will meet");
  * `split_clause`: subject, verb group (auxiliaries, schedule phrases and hedges read off) and the rest;
  * `event_noun_phrase`: the noun phrase a date is attached to ("Thursday's meeting", "the Fed's rate
    decision on Wednesday", "a scheduled Dec. 15 imposition of tariffs").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "BASE_OF",
    "CONNECTIVES",
    "CUT_WORDS",
    "Clause",
    "ClauseParts",
    "DETS",
    "FIRST_PERSON",
    "FORM",
    "HOPE_VERBS",
    "PREPS",
    "PRONOUNS",
    "SUBORDINATORS",
    "Tok",
    "clause_is_past",
    "clause_of",
    "event_noun_phrase",
    "split_clause",
    "third_person",
    "tokenize",
    "verb_at",
    "without_date",
]

# ---------------------------------------------------------------------------------------------- lexicon

DETS = frozenset("the a an this that these those its his her their our my your some any each every another".split())
PREPS = frozenset(
    """of in on at to for from by with about against between through during before after over under into
    onto upon within without across around near amid among per via than until till since toward towards
    st""".split()
)
SUBORDINATORS = frozenset(
    "as after before because while whereas although though if unless once since when where so than despite"
    .split()
)
CUT_WORDS = frozenset(
    """as after before because while whereas although though if unless once since despite amid ahead
    following so than which who whom whose where when that""".split()
)
PRONOUNS = {"he": "person", "she": "person", "it": "thing", "they": "group"}
FIRST_PERSON = frozenset("i we you me us my our your i'm we're you're i'll we'll you'll i've we've".split())
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


def third_person(base: str) -> str:
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


BASE_OF: dict[str, str] = {}
FORM: dict[str, str] = {}  # word -> "base" | "3sg" | "past" | "ing"
for _b in [*_VERB_BASES, *_IRREGULAR]:
    BASE_OF.setdefault(_b, _b)
    FORM.setdefault(_b, "base")
    _t = third_person(_b)
    BASE_OF.setdefault(_t, _b)
    FORM.setdefault(_t, "3sg")
    for _p in {_past(_b), _IRREGULAR.get(_b, ("", _past(_b)))[1]}:
        BASE_OF.setdefault(_p, _b)
        FORM.setdefault(_p, "past")
    _ing = (_b[:-1] if _b.endswith("e") and not _b.endswith("ee") else _b) + "ing"
    BASE_OF.setdefault(_ing, _b)
    FORM.setdefault(_ing, "ing")

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
    form = FORM.get(low)
    if form is None:
        return False
    if prev is not None and (prev.low in DETS or prev.low.endswith("'s") or prev.low in _NOUN_MODIFIERS) \
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
    if nxt is not None and form in ("3sg", "base") and FORM.get(nxt.low) in ("3sg", "base") and not nxt.cap:
        return False  # "the anniversary tour go on sale": a noun, then its verb
    if prev is not None and prev.low in PREPS and form in ("base", "3sg") and prev.low != "to":
        return False  # "on sale", "in talks"
    return True


def verb_at(toks: list[Tok], i: int) -> bool:
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
        elif t.low == "that" and i > 0 and i + 1 < len(toks) and verb_at(toks, i + 1):
            cuts.append(i)  # "the tour that stops at ...": a relative clause
        elif t.low == "that" and i > 0 and (FORM.get(toks[i - 1].low) or verb_at(toks, i - 1)
                                            or (i > 1 and verb_at(toks, i - 2) and toks[i - 1].cap)):
            cuts.append(i)  # "sources told Reuters that Russia ...": a reported clause
        elif t.low == "and" and i > 0 and _has_verb(toks[cuts[-1]:i]) and _starts_clause(toks[i + 1:]):
            cuts.append(i)
        elif i > 0 and toks[i - 1].low in _REPORTING and t.low != "that" and not t.time and (
                _starts_clause(toks[i:]) or (t.low in PRONOUNS and i + 1 < len(toks) and verb_at(toks, i + 1))):
            cuts.append(i)  # "Dresdner Bank said | it will also buy ...": the report's content is the clause
    cuts.append(len(toks))
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if b > a:
            out.append((a, b))
    return out


def _has_verb(toks: list[Tok]) -> bool:
    return any(verb_at(toks, i) for i in range(len(toks)))


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
        while k > 0 and left and (left[0].text.islower() and left[0].low not in DETS or left[0].text[0].isdigit()
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
        verb_at(toks, a - 1) or FORM.get(toks[a - 1].low) in ("ing", "past", "3sg")
        or toks[a - 1].low in _REPORTING or (a > 1 and toks[a - 2].low in _REPORTING))
    if piece and piece[0].low in ("which", "who", "that") and a > 0 and not complement:
        antecedent = _noun_phrase_before(toks, a)
        relative = "subject" if len(piece) > 1 and verb_at(piece, 1) else "object"
        piece = piece[1:]
    elif piece and piece[0].low in SUBORDINATORS | {"and", "but", "that"}:
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
        if (i < end - 1 and (verb_at(toks, i) or FORM.get(t.low) == "ing")) or t.text in (",", ";", ":") or t.time:
            break  # the last word before "which"/"that" is the noun itself ("the reunion tour that ...")
        if t.low in PREPS and not (out and (out[0].cap or out[0].text[0].isdigit()) and i > 0 and toks[i - 1].cap):
            break  # "details of [the tour]", but "Hall of Fame" stays whole
        out.insert(0, t)
        if t.low in DETS and not (i > 0 and toks[i - 1].cap and toks[i - 1].low.endswith("'s")):
            break
        if len(out) >= 10:
            break
    while out and (out[0].low in PREPS or out[0].low in ("and", "or")):
        out.pop(0)
    return out


# ---------------------------------------------------------------------------------------------- verb group


@dataclass
class ClauseParts:
    subject: list[Tok]
    verb: list[str]  # the verb words as written, auxiliaries and schedule phrases removed
    rest: list[Tok]  # object and adjuncts; the date and the preposition it took removed
    passive: bool
    hedged: bool
    negated: bool
    bare: bool = False  # the main verb is an unlisted base form ("will succeed")


def split_clause(clause: Clause) -> ClauseParts | None:
    toks = clause.tokens
    vi = next((i for i in range(len(toks)) if verb_at(toks, i)), None)
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
        elif w in _FUTURE_MARKERS or (w in _HAVE and FORM.get(at(j + 1)) == "past"):
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
        elif w in _BE and at(j + 1) == "to" and FORM.get(at(j + 2)) == "base":
            j += 2
        elif w in _MODALS:
            hedged = True
            kept.append(w)
            j += 1
        elif w in HOPE_VERBS and at(j + 1) == "to":
            hedged = True
            kept += [w, "to"]
            j += 2
        elif w in _BE and at(j + 1) in ("not", "n't"):
            negated = True
            j += 1
        elif w in _BE and FORM.get(at(j + 1)) == "ing":
            j += 1  # "is meeting": a present arrangement
        elif w in _BE and (FORM.get(at(j + 1)) == "past" or re.fullmatch(r"[a-z]+ed", at(j + 1) or "-")):
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
        if FORM.get(main) == "ing":
            main = BASE_OF[main]
        elif FORM.get(main) is None and not passive and not re.fullmatch(r"[a-z]+", main):
            return None
        bare = future and main not in FORM and not passive
        verb = [*kept, main]
        rest = toks[j + 1:]
    return ClauseParts(subject, verb, without_date(rest), passive, hedged, negated, bare)


CONNECTIVES = frozenset("also meanwhile now still moreover however furthermore separately additionally".split())
_ADVERBS = frozenset("also then still again now just soon finally first later jointly".split())
HOPE_VERBS = frozenset("hope hopes plan plans aim aims intend intends want wants expect expects seek seeks".split())


def without_date(toks: list[Tok]) -> list[Tok]:
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


def clause_is_past(clause: Clause) -> bool:
    """The clause's own verb group is in the past ("was branded", "got a call"), with no future or modal."""
    toks = clause.tokens
    vi = next((i for i in range(len(toks)) if verb_at(toks, i)), None)
    if vi is None:
        return False
    first = toks[vi].low
    if first in ("was", "were", "had", "did"):
        return True
    return FORM.get(first) == "past" and first not in _BE and not (vi and toks[vi - 1].low in _BE | _HAVE)


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
    if possessive or (after < len(toks) and toks[after].text[:1].islower() and toks[after].low not in PREPS
                      and toks[after].low not in CUT_WORDS and not verb_at(toks, after)
                      and toks[after].low not in _AUX and toks[after].low not in ("and", "or", "to")):
        k = after + (1 if after < len(toks) and toks[after].low == "'s" else 0)
        np: list[str] = []
        while k < len(toks) and not verb_at(toks, k) and toks[k].text not in (",", ";", ".", "—", ":"):
            if toks[k].low in CUT_WORDS or toks[k].time:
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
    while k >= 0 and not verb_at(toks, k) and toks[k].text not in (",", ";", ":"):
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
        if t.low in PREPS:
            start = i + 1
            break
        if t.low.endswith("'s") and t.cap:
            j = i  # "The Federal Reserve's rate decision": the owner's name runs back to its first capital
            while j > 0 and (np_rev[j - 1].cap or np_rev[j - 1].low in ("of", "&")):
                j -= 1
            start = j
            break
        if t.low in DETS:
            start = i
            break
    words = [t.text for t in np_rev[start:]]
    in_pp = start > 0 and np_rev[start - 1].low in PREPS and np_rev[start].low in DETS
    at_clause_start = k < 0 or toks[k].text in (",", ";", ":")
    if in_pp and not at_clause_start:
        return words, "adjunct"
    if at_clause_start and start == 0:
        return words, "subject"
    return None
