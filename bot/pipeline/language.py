"""Which language a text is written in, from its script and its most frequent function words.

Why a detector of our own: nothing may be downloaded at run time and the bot only needs to tell English
from the rest (the embedded event tagger and summarizer cues are English-only) and to name the language in
the brief. Function words are the most frequent words of every language and are nearly disjoint between
languages, so counting them separates European languages reliably on a paragraph or more; scripts settle
Japanese (kana), Chinese (Han without kana), Korean (Hangul), Cyrillic, Greek, Arabic, Hebrew, Thai and
Devanagari text outright.

`detect_language` returns an ISO 639-1 code, or "und" when the text gives too little to go on.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

UNDETERMINED = "und"

NAMES = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "sv": "Swedish", "da": "Danish", "no": "Norwegian", "pl": "Polish", "tr": "Turkish",
    "id": "Indonesian", "vi": "Vietnamese",
    "ja": "Japanese", "zh": "Chinese", "ko": "Korean", "ru": "Russian", "uk": "Ukrainian", "el": "Greek",
    "ar": "Arabic", "he": "Hebrew", "th": "Thai", "hi": "Hindi", UNDETERMINED: "Unknown-language",
}

# About forty of the most frequent function words of each language (articles, pronouns, prepositions,
# auxiliaries, conjunctions). Words shared by two languages count for both; the totals still separate them.
_FUNCTION_WORDS = {
    "en": "the of and to a in is that for it was on with as by at from are be this have has had not but or "
          "an they which their been were will would its he she we his her who there than also into",
    "de": "der die das und ist nicht ein eine einen einem einer den dem des zu mit auf für von sich auch "
          "es im sie wir ich wird werden wurde hat haben sind war aus bei nach noch wie über oder aber",
    "fr": "le la les et des un une du en est que qui dans pour pas sur au aux ce cette il elle ils sont "
          "avec par plus ne se son sa ses ont été mais ou nous vous leur été comme",
    "es": "el la los las y de que en un una es por con para del al se lo su sus más pero como fue son "
          "ha han este esta está también ya muy sin sobre entre cuando porque",
    "it": "il lo la gli le di che e un una è per con del della dei delle nel nella non si sono da al "
          "alla anche ma come più questo questa ha hanno era stato essere",
    "pt": "o a os as de que e um uma do da dos das em no na nos nas para com não por mais se foi são "
          "ao como mas ele ela seu sua também está já",
    "nl": "de het een en van in is dat op te zijn met voor niet die er aan ook als bij door maar om "
          "wordt worden werd nog naar dan kan hij zij wij over deze",
    "sv": "och att det som en på är av för med till den har de inte om ett var jag men så från vi "
          "kan eller när han hon sig efter",
    "da": "og at det som en på er af for med til den har de ikke om et var jeg men så fra vi kan "
          "eller når han hun sig efter",
    "no": "og at det som en på er av for med til den har de ikke om et var jeg men så fra vi kan "
          "eller når han hun seg etter ble",
    "pl": "i w na nie z się do jest to że o jak ale po co tak za od przez jego są był było być oraz "
          "który która które już",
    "id": "yang dan di ini itu dengan untuk dari dalam tidak akan pada juga ke karena oleh ada saya "
          "mereka kami kita sudah telah bisa atau seperti lebih bahwa adalah tersebut",
    "vi": "và của là có không được trong cho những các một này người với đã đến khi từ cũng sẽ như "
          "theo về tại để nhưng",
    "tr": "ve bir bu da de için ile olarak daha çok en gibi ne ama olan sonra kadar değil var her "
          "ya ise ki mi",
}
_WORD_SETS = {lang: frozenset(words.split()) for lang, words in _FUNCTION_WORDS.items()}
_ENGLISH = _WORD_SETS["en"]

_SCRIPTS = [  # (language, character class); kana outranks Han so Japanese with kanji stays Japanese
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
]
_KANA = _SCRIPTS[0][1]
_UKRAINIAN = re.compile(r"[іїєґІЇЄҐ]")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_LETTER = re.compile(r"[^\W\d_]")

SAMPLE_CHARS = 20_000  # the opening of a long text says enough, and keeps detection cheap
MIN_WORDS = 8
MIN_SHARE = 0.08  # below this share of function words a Latin-script text reads as no language at all


@dataclass(frozen=True)
class LanguageGuess:
    """The detected language and how much of the text its function words make up (0 for scripts)."""

    code: str
    function_share: float  # share of words that are function words of `code` (Latin-script texts)
    script_share: float  # share of letters in the language's own script (non-Latin texts)


def guess_language(text: str) -> LanguageGuess:
    """Script first (a majority of letters in one non-Latin script decides), then function words."""
    sample = (text or "")[:SAMPLE_CHARS]
    letters = _LETTER.findall(sample)
    if not letters:
        return LanguageGuess(UNDETERMINED, 0.0, 0.0)
    for code, pattern in _SCRIPTS:
        count = len(pattern.findall(sample))
        if code == "zh" and _KANA.search(sample):
            continue  # kanji in a Japanese text
        share = count / len(letters)
        if share >= 0.3 or (code == "ja" and share >= 0.05):
            if code == "ru" and _UKRAINIAN.search(sample):
                code = "uk"
            return LanguageGuess(code, 0.0, min(1.0, share if code != "ja" else _cjk_share(sample, letters)))
    words = [w.lower().replace("’", "'") for w in _WORD.findall(sample)]
    if len(words) < MIN_WORDS:
        return LanguageGuess(UNDETERMINED, 0.0, 0.0)
    counts = Counter(words)
    hits = {lang: sum(counts[w] for w in vocab) for lang, vocab in _WORD_SETS.items()}
    best = max(hits, key=lambda lang: (hits[lang], lang == "en"))
    share = hits[best] / len(words)
    if share < MIN_SHARE:
        return LanguageGuess(UNDETERMINED, share, 0.0)
    return LanguageGuess(best, share, 0.0)


def function_words(code: str | None) -> frozenset[str]:
    """The function words of a language (empty for one without a list here)."""
    return _WORD_SETS.get((code or "").split("-")[0], frozenset())


def detect_language(text: str) -> str:
    """ISO 639-1 code of `text`'s language, or "und" when it cannot be told."""
    return guess_language(text).code


def is_english(code: str | None) -> bool:
    """True for English (and for an unknown language, which gets the English treatment it always had)."""
    return not code or code == "en" or code.startswith("en-") or code == UNDETERMINED


def language_note(code: str | None, backend: str = "embedded") -> str | None:
    """What a reader of an embedded brief of a non-English text should know ("German text: events not
    extracted"), or None. The embedded event tagger reads English only; a model backend reads any language."""
    if is_english(code) or not backend.startswith("embedded"):
        return None
    return f"{language_name(code)} text: events not extracted"


def language_name(code: str | None) -> str:
    return NAMES.get((code or UNDETERMINED).split("-")[0], (code or UNDETERMINED).upper())


def _cjk_share(sample: str, letters: list[str]) -> float:
    cjk = sum(1 for ch in letters if "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff")
    return cjk / len(letters)
