"""The input gate: what may be briefed at all, checked before any summarizing or storing.

Why: a brief is only as good as its input. A 5 MB file of word salad was once briefed, joined two real
storylines and then dominated answers; a table of numbers or a source file yields "key points" nobody can
use. So every source — fetched page, file, stdin, pasted text — gets the same size cap, and text that is
not prose is refused with a one-line reason (an `InputError`, which the CLI prints as `Error: …` and
Slack answers through its failure reply). The checks are cheap and look at the opening of the text:

- numbers: most tokens are figures (a spreadsheet or a price table);
- code: many lines look like program statements and the text is dense with brackets and operators;
- word salad: words without the function words every sentence of a language needs and without the
  skew towards a few short common words every language shows, or no sentence punctuation at all, or (English) articles followed by other function words as often as a shuffled text.

Each threshold sits far from what real articles show (measured on the dev pages and CNN/DailyMail).
"""

from __future__ import annotations

import re
from collections import Counter

from bot.errors import InputError
from bot.pipeline.language import LanguageGuess, guess_language

MB = 1024 * 1024
MAX_INPUT_BYTES = 5 * MB  # the fetcher's cap for pages, applied to files and stdin too
SAMPLE_CHARS = 60_000
MIN_WORDS_TO_JUDGE = 40  # a short paste (a headline and a line) is let through: too little to judge

NUMERIC_SHARE = 0.4
CODE_LINE_SHARE = 0.3
CODE_SYMBOL_DENSITY = 0.04
WORDS_PER_SENTENCE_END = 120
ARTICLE_THEN_FUNCTION_WORD = 0.3
# Every language leans on a few words: its ten commonest make up a fifth of any real article (0.18–0.40
# on the dev pages and CNN/DailyMail, whatever the language), but a few percent of words drawn at random.
# Text with neither known function words nor that skew is refused.
MIN_FUNCTION_SHARE = 0.08
MIN_TOP_WORDS_SHARE = 0.12
# And those commonest words are short (articles, prepositions: 2.5–4.8 letters on average on the dev pages,
# whatever the language); words drawn from a small vocabulary of nouns are not.
MAX_TOP_WORDS_LENGTH = 5.0

_TOKEN = re.compile(r"\S+")
_NUMERIC = re.compile(r"^[(\[]?[-+−]?[$€£¥]?\d[\d.,:/%xX+−-]*[%)\]]?[,;]?$")
_CODE_LINE = re.compile(
    r"""^\s*(?:
        (?:def|class|import|from\s+\S+\s+import|return|function|var|let|const|public|private|static|
           \#include|\#define|package|using|namespace|fn|impl|struct|elif|else\s*:|try\s*:|except\b)\b
        | .*[;{}]\s*$
        | .*(?:=>|==|!=|&&|\|\||::|->)
        | [\w.\[\]]+\s*[+\-*/]?=\s*\S
        | \w+(?:\.\w+)*\(.*\)\s*$
    )""",
    re.VERBOSE,
)
_SYMBOLS = re.compile(r"[{}\[\]()<>;=_#$\\|&*^~`]")
_SENTENCE_END = re.compile(r"[.!?…。！？](?:[\"'”’)\]]*)(?=\s|$)")
_LATIN_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_ARTICLES = frozenset({"the", "a", "an"})
# Function words that rarely follow an article in English prose ("the of", "a and"); "the most", "a few"
# and the like are left out.
_NOT_AFTER_ARTICLE = frozenset(
    "the a an of and to in is that for it was on with as by at from are be this have has had not but or "
    "they which their been were will would its he she we his her who there than into".split()
)


def check_size(size: int, what: str) -> None:
    """Refuse input over the cap, before reading or processing it."""
    if size > MAX_INPUT_BYTES:
        raise InputError(f"{what} is {size / MB:.1f} MB; the limit is {MAX_INPUT_BYTES // MB} MB")


def check_prose(text: str) -> LanguageGuess:
    """The text's language when it reads as prose; an `InputError` with the reason when it does not."""
    sample = (text or "")[:SAMPLE_CHARS]
    tokens = _TOKEN.findall(sample)
    guess = guess_language(sample)
    if len(tokens) < MIN_WORDS_TO_JUDGE and guess.script_share == 0.0:
        return guess
    reason = _numbers(tokens) or _code(sample) or _salad(sample, tokens, guess)
    if reason:
        raise InputError(f"not an article: {reason}")
    return guess


def _numbers(tokens: list[str]) -> str | None:
    numeric = sum(1 for t in tokens if _NUMERIC.match(t))
    if tokens and numeric / len(tokens) >= NUMERIC_SHARE:
        return f"{round(100 * numeric / len(tokens))}% of it is figures (a table of numbers?)"
    return None


def _code(sample: str) -> str | None:
    lines = [ln for ln in sample.splitlines() if ln.strip()]
    if len(lines) < 5:
        return None
    code_lines = sum(1 for ln in lines if _CODE_LINE.match(ln))
    visible = sum(1 for ch in sample if not ch.isspace()) or 1
    density = len(_SYMBOLS.findall(sample)) / visible
    if code_lines / len(lines) >= CODE_LINE_SHARE and density >= CODE_SYMBOL_DENSITY:
        return "it looks like program code"
    return None


def _salad(sample: str, tokens: list[str], guess: LanguageGuess) -> str | None:
    if guess.script_share:  # a non-Latin script: judge by sentence punctuation alone
        ends = len(_SENTENCE_END.findall(sample)) + sample.count("。")
        letters = len(sample)
        if letters > 3000 and ends == 0:
            return "no sentences in it"
        return None
    words = [w.lower() for w in _LATIN_WORD.findall(sample)]
    if len(words) < MIN_WORDS_TO_JUDGE:
        return None
    if guess.function_share < MIN_FUNCTION_SHARE:
        share, length = _top_words(words)
        if share < MIN_TOP_WORDS_SHARE or length >= MAX_TOP_WORDS_LENGTH:
            return "it reads as a list of words, not sentences"
    if len(words) / max(1, len(_SENTENCE_END.findall(sample))) > WORDS_PER_SENTENCE_END:
        return "it has no sentence punctuation"
    if guess.code == "en":
        follows = [words[i + 1] for i in range(len(words) - 1) if words[i] in _ARTICLES]
        if len(follows) >= 20:
            odd = sum(1 for w in follows if w in _NOT_AFTER_ARTICLE) / len(follows)
            if odd >= ARTICLE_THEN_FUNCTION_WORD:
                return "its words are in no sentence order (word salad)"
    return None


def _top_words(words: list[str], k: int = 10) -> tuple[float, float]:
    """The share of the text the `k` commonest words make up, and their mean length in letters."""
    top = Counter(words).most_common(k)
    share = sum(n for _, n in top) / max(1, len(words))
    return share, sum(len(w) for w, _ in top) / max(1, len(top))
