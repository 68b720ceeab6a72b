"""Embedded extractive summarizer: TL;DR, key points and open questions without any model.

Why this method: news puts its most important facts first (Lead-3 is a strong baseline), but the lead
also carries scene-setting sentences while later sentences can restate the core of the story. So each
candidate sentence gets

    score = (position prior + centrality) / 2 × length prior

- position prior: 1 / (1 + i / 6) for the i-th candidate, a gentle decay that still lets a central
  later sentence win;
- centrality: TF-IDF cosine between the sentence and the whole document (IDF over the document's own
  sentences), scaled so the most central sentence is 1 — linear in the text size, unlike TextRank;
- length prior: very short sentences carry little and very long ones crowd a bullet list.

The TL;DR is the best of the first three sentences that can stand alone as the news: not a byline or
timestamp, not an anecdote lede (a quote opening the piece, first or second person), not opening with a
connective or a pronoun ("But", "However", "It"); datelines ("TOKYO —", "London (CNN)") are cut first.
Key points are then chosen greedily by maximal marginal relevance (score minus similarity to the TL;DR
and to what is already chosen) so nothing is said twice, and shown in article order. Key-point count
besides the TL;DR: one per ~300 words of candidate text, 2 or 3. The position scale and the count were
tuned on one half of cnndm-dev and checked on the other, both ways (bench/summary_eval.py).

Open questions are only sentences that state something unresolved about what comes next: a question
asked with a modal or future word, "whether", "unclear", "remains to be seen", "could … but" — never
the lead, the TL;DR, first-person chatter, rhetorical or past questions, or a plain forecast. None is a
fine answer. A text not in English gets its lead sentences and no open questions (the cues are English).

Nothing here depends on capitalisation (the evaluation texts are lower-cased); it is used only to
recognise title lines. Headings, bylines and page furniture ("Advertisement", "Read more") are dropped
before scoring.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from bot.errors import InputError
from bot.pipeline.language import is_english
from bot.pipeline.models import Summary
from bot.pipeline.sentences import Sentence, split_sentences

TLDR_MAX_CHARS = 220
KEY_POINT_MAX_CHARS = 400  # a run-on "sentence" (no stops, e.g. a pasted table) is cut, not shown whole
MIN_KEY_POINTS, MAX_KEY_POINTS = 2, 3  # besides the TL;DR, which key points never repeat
WORDS_PER_KEY_POINT = 300
LEAD_REGION = 3  # the TL;DR comes from the first three candidate sentences
POSITION_SCALE = 6.0  # both held-out folds of bench/summary_eval.py chose 6 over 1.5 and 3
MMR_REDUNDANCY = 0.5  # weight of the similarity penalty in MMR, against a score in [0, 1]


@dataclass(frozen=True)
class SummaryParams:
    """The tunable knobs, so bench/summary_eval.py can tune them on one half of its data and score the
    other without touching module state. Few and coarse on purpose: they must carry over to new text."""

    position_scale: float = POSITION_SCALE
    mmr_redundancy: float = MMR_REDUNDANCY
    max_key_points: int = MAX_KEY_POINTS

MAX_OPEN_QUESTIONS = 3

_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself said says say told according mr mrs ms n't 's""".split()
)

# Page furniture: matched against a whole sentence (short ones only, so real sentences survive).
_BOILERPLATE = re.compile(
    r"^\W*(?:advertisement|advertising|sponsored(?: content)?|leave a (?:comment|reply)|\d+ comments?|comments?"
    r"|read more|read next|more from|related(?: articles?| stories| coverage)?|see also|continue reading"
    r"|story continues below|scroll down for (?:video|more)|click here|sign up|subscribe|share this"
    r"|share on|follow us|follow @|email this|print this|skip to|we use cookies|accept cookies"
    r"|watch:|video:|photo:|image:|image caption|photograph:|caption:|getty images|reuters/|ap photo"
    r"|all rights reserved|copyright|©|reporting by|editing by|additional reporting|written by"
    r"|by [\w.'-]+(?: [\w.'-]+){0,3}(?:,| and | \||$)|published:|updated:|last updated|posted:)",
    re.IGNORECASE,
)
_BOILERPLATE_MAX_WORDS = 20
_DATELINE = re.compile(
    # "WASHINGTON (Reuters) -", "( cnn ) --", "London (CNN)The …": a place and an outlet in brackets.
    r"^(?:[A-Z][A-Za-z .,'-]{1,40}\s*)?\((?:cnn|reuters|ap|afp|bloomberg|upi|ani|pti|xinhua|dpa|cnbc|bbc)\)"
    r"\s*(?:--|[-—–:])?\s*"
    # "TOKYO —", "SAN FRANCISCO, Calif. —", "Beijing, China --": a capitalised place (and region) and a dash.
    r"|^(?-i:[A-Z]{3,}(?:[ .'-]+[A-Z]{2,})*|[A-Z][a-z]+(?: [A-Z][a-z]+){0,2},(?: [A-Z][A-Za-z.]+){1,3})"
    r"(?-i:(?:,(?: [A-Z][A-Za-z.]+){1,3})?(?:,? [A-Z][a-z]{2,8}\.? \d{1,2})?)\s*(?:—|–|--|:)\s*",
    re.IGNORECASE,
)
# A TL;DR opens on the news, not on a turn of the argument or a scene.
_CONNECTIVE = re.compile(
    r"^\W*(?:but|however|yet|still|and|or|so|also|meanwhile|instead|nonetheless|nevertheless|moreover|"
    r"furthermore|even so|in addition|by contrast|that said|then|thus|therefore|indeed|after all|this|that|"
    r"these|those|it|they|he|she|such)\b",
    re.IGNORECASE,
)
_BYLINE = re.compile(
    r"^\W*(?:by|from|photo(?:graph)?s? by|words by)\s+[A-Z][\w.'-]+|\b\d{1,2}:\d{2}\s*(?:am|pm|a\.m\.|p\.m\.)"
    r"|\b\d+\s*min(?:ute)?s? read\b|\b(?:updated|published|posted)\b.*\b\d{4}\b"
    r"|^\W*[A-Za-z][\w ]{0,20}:\s|\bwww\.|https?://",  # "Tested by: …", "Q: …", a web address
    re.IGNORECASE,
)
# First person singular and second person mark a column or an anecdote; "we"/"our" is also how a company
# or a newsroom speaks, so it is allowed.
_PERSONAL = re.compile(r"\b(?:i|i'm|i've|i'd|me|my|you|your|you're)\b|^\W*(?:we|we're|we've|we'd|our)\b",
                       re.IGNORECASE)
TLDR_MIN_WORDS = 8
_FINAL_PUNCT = re.compile(r"[.!?…。！？:;\"'”’»)\]]$")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")

# Cues that a sentence states something unresolved about what comes next, with weights. A sentence must
# reach OPEN_QUESTION_MIN_CUE: an explicit statement of uncertainty does alone, a modal verb ("could",
# "may") only together with a contrast ("could … but") or a condition, never by itself — news uses modals
# for plain forecasts and quotes constantly.
_UNCERTAINTY = [
    (re.compile(p, re.IGNORECASE), w)
    for p, w in [
        (r"\b(?:it (?:is|was|remains) (?:not |un)clear|(?:remains?|still|is|was|are|were) unclear)\b", 3.0),
        (r"\bunclear\b", 2.5),
        (r"\bremains? to be seen\b", 3.0),
        (r"\b(?:open |key |big |main )?questions? (?:is|are|remains?) (?:whether|if|how|when|what|who)\b"
         r"|\bopen question\b", 3.0),
        (r"\b(?:uncertain|undecided|unresolved|unanswered)\b|\buncertainty (?:over|about|around|as to|on)\b"
         r"|\b(?:is|are|was|were|remains?|remained) (?:still )?not (?:yet )?clear\b"
         r"|\b(?:is|are|remains?|still|was|were) (?:largely |still )?unknown\b", 2.5),
        (r"\bmay or may not\b", 2.5),
        (r"\b(?:(?:has|have|is|are) yet to (?:be )?(?:decide|announce|confirm|determine|say|reveal|set|make|"
         r"reach|agree|respond|comment|approve|sign|vote|rule|name|release|detect|find|show|prove|test)"
         r"|not yet (?:been )?(?:decided|clear|known|announced|scheduled|set|confirmed|determined|agreed|"
         r"approved|finalised|finalized|tested|detected))", 2.0),
        (r"\b(?:will |would )?depends? (?:largely |partly |heavily )?on (?:whether|how|what|when)\b", 2.0),
        (r"\bwhether\b", 2.0),
        (r"\b(?:no one knows|nobody knows|not known|waiting to hear)\b"
         r"|\b(?:did not|didn't|declined to|would not|wouldn't|could not|couldn't) say (?:whether|when|if|how)\b",
         2.0),
        # A question about what comes next: it asks with a modal or future word, not about the past or a mood.
        (r"^(?!\W*(?:was|were|did|had|is there)\b)(?=.*\b(?:will|would|could|can|should|might|may|going to|"
         r"next|yet)\b).*\?\s*[\"'”’]?$", 2.0),
        (r"\b(?:could|might|may)\b(?!\s+\d)[^.;]*\b(?:but|although|though|however|or (?:\w+ )?(?:could|might|may))\b"
         r"|\bbut\b[^.;]*\b(?:could|might|may)\b(?!\s+\d)", 1.0),
        (r"\b(?:could|might|may)\b(?!\s+\d)[^.;]*\b(?:next(?! (?:\d+|few|several|two|three|four|five|six|seven|eight|nine|ten)\b)"
         r"|later|yet|still|soon|future)\b", 1.5),
        (r"\b(?:if|unless)\b[^.;]*\b(?:could|might|may|will|would)\b", 1.0),
        (r"\b(?:could|might)\b|\bmay\b(?!\s+\d)", 0.5),
    ]
]
OPEN_QUESTION_MIN_CUE = 2.0
# What rules a sentence out however uncertain it sounds: first- and second-person chatter ("Do you make jam
# in a pot?", "I may or may not have…"), rhetorical questions about the past or a mood ("how can …",
# "why can't …"), and a past decision on the open matter ("ruled on whether").
_NOT_OPEN = re.compile(
    r"\b(?:i|i'm|i've|you|your|you're|we've|my|me)\b"
    r"|^\W*(?:so |and |but )?(?:why|how can|how could|remember|just what|what does|what did|imagine)\b"
    r"|\bwhy (?:can|can't|can’t|does|doesn't|do|did|would|is|are|was)\b.*\?\W*$"
    r"|\b(?:ruled|decided|determined|settled|answered|resolved) (?:on )?whether\b"
    r"|\bdeclined to comment\b"
    r"|^\W*(?:last (?:year|month|week|time)|in (?:19|20)\d\d|years ago|back in|previously|earlier this)\b",
    re.IGNORECASE,
)
_PAST_QUESTION = re.compile(r"(?=.*\?\W*$).*\b(?:did|happened|was|were|had)\b", re.IGNORECASE)
_NEW_SENTENCE_NEEDS_WORDS = 6  # "his plan?" is a fragment, not a question about what comes next

@dataclass
class _Candidate:
    index: int  # order among candidates (article order)
    text: str
    words: int
    vector: dict[str, float]
    score: float = 0.0


def summarize(text: str, language: str | None = None, params: SummaryParams | None = None) -> Summary:
    """Pick a one-sentence TL;DR, 3–5 key points (article order) and up to 3 open questions from `text`."""
    if not text or not text.strip():
        raise InputError("no text to summarize")
    candidates = _candidates(split_sentences(_strip_datelines(text)))
    if not candidates:  # only title-like lines (a pasted headline): use them rather than fail
        candidates = _fallback_candidates(text)
    if not candidates:
        raise InputError("no text to summarize")
    params = params or SummaryParams()
    if not is_english(language):
        return _lead_summary(candidates, params)
    _score(candidates, params.position_scale)
    tldr_source = _tldr_candidate(candidates)
    rest = [c for c in candidates if c is not tldr_source]
    count = min(len(rest), _key_point_count(candidates, params.max_key_points))
    chosen = _select_key_points(rest, count, params.mmr_redundancy, first=tldr_source)
    return Summary(
        tldr=trim(tldr_source.text, TLDR_MAX_CHARS),
        key_points=[trim(c.text, KEY_POINT_MAX_CHARS) for c in sorted(chosen, key=lambda c: c.index)]
        or [trim(tldr_source.text, KEY_POINT_MAX_CHARS)],
        open_questions=_open_questions(candidates, exclude=tldr_source),
    )


def _lead_summary(candidates: list[_Candidate], params: SummaryParams) -> Summary:
    """A text not in English: its lead sentences, in order. The position prior is what carries across
    languages; the stems, stopwords and uncertainty cues here are English, so no open questions."""
    count = min(len(candidates) - 1, _key_point_count(candidates, params.max_key_points))
    lead = candidates[: count + 1]
    return Summary(
        tldr=trim(lead[0].text, TLDR_MAX_CHARS),
        key_points=[trim(c.text, KEY_POINT_MAX_CHARS) for c in lead[1:]] or [trim(lead[0].text, KEY_POINT_MAX_CHARS)],
        open_questions=[],
    )


def trim(sentence: str, limit: int) -> str:
    """Cut `sentence` to at most `limit` characters at a word boundary, ending with "…" when cut."""
    sentence = " ".join(sentence.split())
    if len(sentence) <= limit:
        return sentence
    cut = sentence[: limit - 1]
    # A clause boundary reads better than a cut mid-clause ("…next Wednesday, the second cut in as many
    # meetings…" rather than "…even though the federal government shutdown…").
    clause = max(cut.rfind(mark) for mark in (", ", "; ", " — ", " – "))
    if clause > limit * 0.55:
        return cut[:clause].rstrip(" ,;:-–—") + "…"
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


# --- candidates ------------------------------------------------------------------------------------


def _is_heading(sentence: Sentence, paragraph_sentences: int) -> bool:
    """A title or section line: alone in its paragraph, short, and not ending like a sentence."""
    if paragraph_sentences != 1 or _FINAL_PUNCT.search(sentence.text):
        return False
    return len(sentence.text.split()) <= 15 or len(sentence.text) <= 40


def _is_boilerplate(text: str) -> bool:
    return len(text.split()) <= _BOILERPLATE_MAX_WORDS and bool(_BOILERPLATE.match(text))


def _clean(text: str) -> str:
    """Drop a leading dateline ("WASHINGTON (Reuters) -", "( cnn ) --"): it is not part of the news."""
    cleaned = _DATELINE.sub("", text, count=1)
    return cleaned if len(cleaned) >= 0.5 * len(text) else text


def _strip_datelines(text: str) -> str:
    """Drop a dateline at the start of each paragraph before splitting: "PORTLAND, Ore. —" would
    otherwise split after "Ore." and leave "— The city…" behind."""
    if "(" not in text and "—" not in text and "–" not in text and "--" not in text:
        return text
    return "\n".join(_clean(line) for line in text.split("\n"))


def _candidates(sentences: list[Sentence]) -> list[_Candidate]:
    per_paragraph = Counter(s.paragraph for s in sentences)
    out: list[_Candidate] = []
    for s in sentences:
        if _is_heading(s, per_paragraph[s.paragraph]) or _is_boilerplate(s.text):
            continue
        text = _clean(s.text)
        tokens = _tokens(text)
        if not tokens:
            continue  # punctuation or numbers only
        out.append(_Candidate(len(out), text, len(text.split()), dict(Counter(tokens))))
    return out


def _fallback_candidates(text: str) -> list[_Candidate]:
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    lines = [line for line in lines if not _is_boilerplate(line) and _tokens(line)]
    return [
        _Candidate(i, line, len(line.split()), dict(Counter(_tokens(line)))) for i, line in enumerate(lines)
    ]


def _stem(word: str) -> str:
    """A few English suffixes, enough to make "rates"/"rate" and "cutting"/"cut" meet; harmless elsewhere."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _tokens(text: str) -> list[str]:
    """Content-word stems; runs of CJK characters (no spaces between words) become character bigrams."""
    out = []
    for raw in _TOKEN.findall(text.lower()):
        word = raw.replace("’", "'").removesuffix("'s")
        if _CJK.search(word):
            out.extend(word[i : i + 2] for i in range(max(1, len(word) - 1)))
        elif word not in _STOPWORDS and (len(word) > 1 or word.isdigit()):
            out.append(_stem(word))
    return out


# --- scoring ---------------------------------------------------------------------------------------


def _score(candidates: list[_Candidate], position_scale: float = POSITION_SCALE) -> None:
    """Set each candidate's score in [0, 1] and turn its term counts into a unit TF-IDF vector."""
    n = len(candidates)
    df = Counter(term for c in candidates for term in c.vector)
    idf = {term: math.log((n + 1) / (count + 0.5)) for term, count in df.items()}
    centroid: Counter[str] = Counter()
    for c in candidates:
        weighted = {t: (1 + math.log(tf)) * idf[t] for t, tf in c.vector.items()}
        norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
        c.vector = {t: v / norm for t, v in weighted.items()}
        centroid.update(c.vector)
    centrality = [_dot(c.vector, centroid) for c in candidates]
    top = max(centrality, default=0.0) or 1.0
    for c, cent in zip(candidates, centrality, strict=True):
        position = 1.0 / (1.0 + c.index / position_scale)
        c.score = (position + cent / top) / 2 * _length_prior(c.words)


def _length_prior(words: int) -> float:
    """1 for 8–40 words; shorter sentences fade linearly, longer ones gently."""
    if words < 8:
        return max(words, 1) / 8
    if words > 40:
        return max(0.5, 40 / words)
    return 1.0


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def _key_point_count(candidates: list[_Candidate], most: int = MAX_KEY_POINTS) -> int:
    words = sum(c.words for c in candidates)
    wanted = max(min(MIN_KEY_POINTS, most), min(most, round(words / WORDS_PER_KEY_POINT)))
    return min(wanted, len(candidates))


def _select_key_points(
    candidates: list[_Candidate], k: int, redundancy: float = MMR_REDUNDANCY, first: _Candidate | None = None
) -> list[_Candidate]:
    """Maximal marginal relevance: the best-scoring sentence that does not repeat what is chosen (nor the
    TL;DR `first`, which the reader has already seen)."""
    chosen: list[_Candidate] = []
    seen = [first] if first else []
    pool = list(candidates)
    while pool and len(chosen) < k:
        best = max(pool, key=lambda c: c.score - redundancy * _max_similarity(c, seen))
        chosen.append(best)
        seen.append(best)
        pool.remove(best)
    return chosen


def _max_similarity(c: _Candidate, chosen: list[_Candidate]) -> float:
    return max((_dot(c.vector, o.vector) for o in chosen), default=0.0)


def _tldr_candidate(candidates: list[_Candidate]) -> _Candidate:
    """The first sentence that can stand alone as the news — whole (no opening connective or pronoun
    pointing back), not a byline, label or timestamp, not an anecdote (a quote opening the piece, first
    person singular or second person), long enough to say something, not a question — looked for among
    the first LEAD_REGION + 2 sentences. News states its main point first; the first such sentence is the
    lead. If none qualifies, the best of the first LEAD_REGION."""
    cased = any(c.text[:1].isupper() for c in candidates[:10])  # a lower-cased text has no capitals to go by
    for c in candidates[: LEAD_REGION + 2]:
        whole = not cased or not c.text[:1].islower()  # "to her Instagram page…" is a fragment
        if whole and _can_lead(c) and not c.text.rstrip("\"'”’ ").endswith(("?", ":")):
            return c
    return max(candidates[:LEAD_REGION], key=_tldr_preference)


def _can_lead(c: _Candidate) -> bool:
    text = c.text
    return not (
        c.words < TLDR_MIN_WORDS
        or _CONNECTIVE.match(text)
        or _BYLINE.search(text)
        or text.lstrip()[:1] in "\"“‘'"
        or _PERSONAL.search(_unquoted(text))
    )


def _tldr_preference(c: _Candidate) -> float:
    """The TL;DR should state, not ask or doubt: such a lead sentence wins only if nothing else is there."""
    question = c.text.rstrip("\"'”’ ").endswith("?")
    return c.score - (0.5 if question else 0.0) - (0.25 if uncertainty(c.text) >= 2 else 0.0)


# --- open questions --------------------------------------------------------------------------------


def uncertainty(text: str) -> float:
    """Sum of the uncertainty cues in `text` (0 when it states nothing unresolved)."""
    return sum(weight for pattern, weight in _UNCERTAINTY if pattern.search(text))


def _open_questions(candidates: list[_Candidate], exclude: _Candidate) -> list[str]:
    """Sentences that state something unresolved, strongest cue first; never the lead (the first
    sentence sets the story up) or the TL;DR. None is a fine answer."""
    ranked = []
    seen: set[str] = set()
    for c in candidates:
        if c is exclude or c.index == 0 or c.words < _NEW_SENTENCE_NEEDS_WORDS:
            continue
        key = " ".join(c.text.lower().split())
        if key in seen or _NOT_OPEN.search(_unquoted(c.text)) or _PAST_QUESTION.match(c.text):
            continue
        seen.add(key)
        cue = uncertainty(c.text)
        if cue >= OPEN_QUESTION_MIN_CUE:
            ranked.append((cue + c.score, -c.index, c))
    ranked.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [trim(c.text, KEY_POINT_MAX_CHARS) for _, _, c in ranked[:MAX_OPEN_QUESTIONS]]


_QUOTED = re.compile(r"[\"“][^\"“”]*[\"”]|(?<!\w)['‘][^'‘’]{12,}['’](?!\w)")


def _unquoted(text: str) -> str:
    """The sentence without its quotations: a quote's "I" or "you" is the speaker's, which is fine;
    a sentence that is itself a quote with nothing around it keeps its words (and is judged on them)."""
    outside = _QUOTED.sub(" ", text)
    return outside if len(outside.split()) >= 4 else text
