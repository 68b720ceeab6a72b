"""Event titles from the sentence's own words: who does what, taken from the clause that holds the date.

The clause (see `clauses`) gives the actor (its subject, with institution short names and people's family
names, see `event_names`) and the action (its verb and object, or the event noun the date is attached to):
"The show opens to the public on Friday" -> "Los Angeles Auto Show opens to the public" (the show named
earlier), "The 2020 Sentra, which goes on sale in late January, ..." -> "2020 Sentra goes on sale".

  * the verb group in headline tense: "will open" / "is set to open" -> "opens", "will be announced" ->
    "to be announced", hedges kept ("expected to lay off"), "is due" / "takes place" -> the subject alone;
  * at most eight words: articles go first, then the subject's own phrases, then trailing phrases of the
    object (never half a name); no dangling "to"/"the", no quotation marks;
  * `title_for` answers None when the clause gives no confident title (the caller then uses
    `trimmed_clause`) and "" when the clause announces nothing (negated, first person).
"""

from __future__ import annotations

import re

from bot.pipeline.clauses import (
    BASE_OF,
    CONNECTIVES,
    CUT_WORDS,
    DETS,
    FIRST_PERSON,
    FORM,
    HOPE_VERBS,
    PREPS,
    PRONOUNS,
    SUBORDINATORS,
    Clause,
    Tok,
    split_clause,
    third_person,
    without_date,
)
from bot.pipeline.event_names import resolve_subject, shorten_names

__all__ = ["MAX_TITLE_WORDS", "capitalise", "clause_actor", "compose", "fit_words", "has_name", "lower_first",
           "title_for", "trimmed_clause"]

MAX_TITLE_WORDS = 8


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
    elif FORM.get(head) == "base" or (bare and len(out) == 1):
        out[0] = head if plural else third_person(head)
    elif FORM.get(head) == "3sg" and plural:
        out[0] = BASE_OF[head]
    return out


def _rest_words(rest: list[Tok]) -> list[str]:
    """Object and complements up to the first clause-like cut; a phrase cut in half goes too."""
    words: list[str] = []
    for t in rest:
        if (t.low in CUT_WORDS and words) or t.text in (",", ";", ":", "—", "–", "(", ")"):
            if t.low in ("that", "which", "who", "where"):
                # "in areas that do not ...": the phrase only makes sense with what was cut.
                last_prep = max((i for i, w in enumerate(words) if w.lower() in PREPS), default=None)
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
    cut = max((i for i, w in enumerate(words) if i > floor and w.lower() in PREPS), default=None)
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
        if out[i][:1].isupper() and out[i - 1].islower() and out[i - 1] not in PREPS | DETS | {"and", "or"}:
            j = i - 1
            while j > 0 and out[j - 1].islower() and out[j - 1] not in PREPS | DETS | {"and", "or"}:
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
                                                            or FORM.get(w.lower()) == "ing")), None)
        if cut is None and len(subj) > 4:
            cut = next((i for i, w in enumerate(subj) if i and w.lower() in PREPS and not subj[i + 1:i + 2] == [""]
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
    skip = DETS - {"this", "these"} | SUBORDINATORS | PREPS | CONNECTIVES | {"and", "but", "then", "so", "of"}
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
    parts = split_clause(clause)
    if parts is not None and parts.negated:
        return ""
    if parts is None:
        return None
    subj_words = _subject_words(parts.subject)
    if any(w.lower() in FIRST_PERSON for w in subj_words):
        return ""
    if not subj_words:
        return None
    named = resolve_subject(subj_words, before, article, topic)
    if len(subj_words) == 1 and subj_words[0].lower() in PRONOUNS and clause.reporter:
        # "Dresdner Bank said it will buy ...": the pronoun is the one reporting.
        reporter = _subject_words(clause.reporter)
        named = " ".join(w for w in reporter if w.lower() != "the") if has_name(reporter + reporter, article) else named
    if named:
        subj_words = named.split()
    elif subj_words[0].lower() in PRONOUNS:
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
        verb = [w for w in verb if w not in HOPE_VERBS and w != "to"] or verb
    if parts.passive and verb[-1] in ("held", "hosted", "staged") and len(subj) > 1 and subj[0].endswith(("'s", "’s")):
        # "Alibaba's listing ceremony is due to be held" -> "Alibaba holds its listing ceremony".
        owner = re.sub(r"['’]s$", "", subj[0])
        base = BASE_OF.get(verb[-1], "hold")
        return capitalise(compose([owner], [third_person(base)], ["its", *subj[1:]]))
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
    if verb and BASE_OF.get(verb[-1]) in ("take",) and tail[:1] == ["place"]:
        return len(tail) <= 1
    if passive and verb[-1] in ("held", "scheduled", "expected", "planned", "staged"):
        return not tail or tail[0] in ("at", "in")
    return verb and BASE_OF.get(verb[-1]) in ("happen", "occur") and not tail



def clause_actor(clause: Clause, before: str, article: str, topic: list[str]) -> str | None:
    """The clause's subject as a short name ("Russia", "Fed"), or None when it names nobody."""
    parts = split_clause(clause)
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
    words = [t.text for t in without_date(clause.tokens)]
    words = [w for w in words if re.search(r"[\w$%]", w)]
    while words and (words[0].lower() in DETS | SUBORDINATORS | CONNECTIVES | {"and", "but", "so", "then", "by"}):
        words.pop(0)
    words = shorten_names(" ".join(words), article).split()
    while len(words) > MAX_TITLE_WORDS:
        words = _drop_last_phrase(words, 1) if len(words) > 2 else words[:MAX_TITLE_WORDS]
    return capitalise(_trim_tail(words))


