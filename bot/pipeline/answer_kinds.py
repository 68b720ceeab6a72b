"""What exactly a question asks for, and whether a sentence holds it written the way news writes it.

`lexicon.answer_type` knows the broad kind (a number, a date, a name). A reader knows more: "how old"
wants an age, and news writes ages as "the 62-year-old", "aged 87", "the mayor, 34," or "turned 40";
"what time" wants a clock time (7:30 p.m., 20:00, noon); "how long" or "running time" a duration
("75-minute", "for a week"); "how large is the engine" a measure with its unit (1.6-liter, 998cc);
"how much" or "at what price" an amount of money (£40, 176 Hong Kong dollars); "how many spectators" a
number written next to spectators or one of their words (crowd, attendance, fans); "what punishment" a
sentence (sentenced, jailed, years in prison); "who founded" the founder's role (co-founder, set up,
"the brain behind"); "what is the name of" a naming ("called", "dubbed", "known as"); "which label" or
"which company gave her a contract" a signing (signed with/to ... Records).

Each kind is a question pattern and a sentence recogniser, both about how any news article writes such
answers, never about particular pages. `specific_kind` reads the question; `holds_specific` tells whether
a sentence holds that kind of answer, other than what the question itself states. The relevance scorer
gives such a sentence a bonus over one that merely shares the question's words, and another to one holding
what the question's closing "about ..." phrase names (`question_topic`).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from itertools import takewhile

from bot.pipeline.lexicon import concept, concepts
from bot.pipeline.timex import find_times

_I = re.IGNORECASE
_NUMWORD = (r"(?:\d[\d,]*(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|"
            r"twenty|thirty|forty|fifty|sixty|ninety|a|an|half\s+an?|several|few)")
_UNIT_TIME = r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|nights?|weeks?|months?|years?|decades?)"

# Question patterns, most specific first: "how long ... in prison" is a punishment before a duration,
# "how much time" a duration before money, "how far into" a duration before a distance.
_QUESTION_KINDS: tuple[tuple[str, re.Pattern], ...] = (
    ("age", re.compile(r"\bhow\s+old\b|\b(?:what|which)\s+age\b|\bat\s+what\s+age\b|\bhow\s+many\s+years\s+old\b", _I)),
    ("punishment", re.compile(r"\b(?:what|which)\s+(?:\w+\s+){0,3}?(?:punishment|sentence|penalty|jail\s+term|prison\s+term)\b"
                              r"|\bhow\s+(?:long|many\s+years)\b.*\b(?:prison|jail|behind\s+bars|sentenced?)\b", _I)),
    ("clock", re.compile(r"\b(?:what|which)\s+time\b|\bwhat\s+hour\b|\buntil\s+when\b|\bhow\s+late\b", _I)),
    ("duration", re.compile(r"\bhow\s+long\b|\b(?:running|run|playing)\s+time\b|\bduration\b|\bhow\s+much\s+time\b"
                            r"|\bhow\s+many\s+(?:seconds|minutes|hours|days|weeks|months|years)\b|\bhow\s+far\s+into\b", _I)),
    ("money", re.compile(r"\bhow\s+much\b(?!\s+(?:time|longer|weight|water|bigger|more|less|faster|further)\b)"
                         r"|\b(?:what|which)\s+(?:\w+\s+){0,3}?(?:price|cost|fee|fare|salary|wage|fine|sum|valuation)\b"
                         r"|\bat\s+what\s+price\b|\bper\s+share\b|\bhow\s+(?:rich|wealthy|expensive|cheap)\b"
                         r"|\bworth\b|\bcompensation\b", _I)),
    ("measure", re.compile(r"\bhow\s+(?:large|big|far|tall|high|heavy|deep|wide|fast|powerful|long)\b"
                           r"|\b(?:what|which)\s+(?:size|speed|range|distance|capacity|weight|height|length|"
                           r"displacement|power|speed\s+limit)\b", _I)),
    ("count", re.compile(r"\bhow\s+many\b|\b(?:what|which)\s+number\s+of\b", _I)),
    ("founder", re.compile(r"\bwho\s+(?:\w+\s+)?(?:founded|co-?founded|started|set\s+up|created|launched|"
                           r"established|came\s+up\s+with|invented|dreamed\s+up|is\s+behind|was\s+behind|are\s+behind)\b"
                           r"|\b(?:founders?|co-?founders?|creators?)\b", _I)),
    ("called", re.compile(r"\bwhat\s+(?:is|was|are|were)\s+(?:the\s+)?names?\s+of\b|\bwhat\s+(?:is|was|are|were)\s+(?:\w+\s+){1,4}?"
                          r"(?:called|named)\b|\bwhat\s+name\b", _I)),
    ("signing", re.compile(r"\b(?:record|music)\s+(?:label|company|deal)\b|\b(?:which|what)\s+(?:\w+\s+){0,3}?label\b"
                           r"|\b(?:which|what)\s+(?:\w+\s+){0,3}?(?:company|club|team|firm|publisher|studio)\b.*"
                           r"\b(?:contract|deal|sign|signed|signing)\b", _I)),
)

_SENTENCE_KINDS: dict[str, re.Pattern] = {
    "age": re.compile(
        r"\b\d{1,3}[\s-]years?[\s-]old\b|\b(?:\w+-)?(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
        r"\w+teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[\s-]years?[\s-]old\b"
        r"|\baged?\s+(?:of\s+)?\d{1,3}\b|\bage\s+of\s+\d{1,3}\b|\bturn(?:ed|s|ing)?\s+\d{1,3}\b"
        r"|[A-Za-z]\s*,\s*\d{1,3}\s*,|\b(?:was|is)\s+\d{1,3}\s*(?:[.;]|$)|\bin\s+(?:his|her|their)\s+(?:early\s+|late\s+|mid-?)?\d0s\b",
        _I),
    "clock": re.compile(
        r"\b\d{1,2}(?:[:.]\d{2})?\s*(?:a\.?m\b\.?|p\.?m\b\.?)|\b(?:[01]?\d|2[0-3]):[0-5]\d\b|\bnoon\b|\bmidnight\b"
        r"|\bo'clock\b|\bmidday\b", _I),
    "duration": re.compile(
        _NUMWORD + r"[\s-]+(?:full\s+|more\s+)?" + _UNIT_TIME + r"\b(?![\s-]+old)"
        r"|\b(?:hour|minute|day|week|month|year)-long\b|\b\d+\s*(?:min|hr|h)\b", _I),
    "money": re.compile(
        r"[$£€¥₹₦]\s?\d|\b\d[\d,]*(?:\.\d+)?\s*(?:(?:hong\s+kong|us|u\.s\.|canadian|australian|singapore|new\s+zealand|"
        r"taiwan)\s+dollars?|p|pence|cents?|dollars?|pounds|euros?|yen|yuan|renminbi|rupees?|"
        r"francs?|rand|naira|pesos?|won|rubles?|roubles?)\b|\b(?:us|hk|a|c|nz|s)\$|\brs\.?\s?\d"
        r"|\b(?:usd|gbp|eur|inr|hkd|jpy|cny|chf)\s?\d|\b\d[\d,.]*\s*(?:usd|gbp|eur|inr|hkd|jpy|cny|chf)\b"
        r"|\b(?:bn|billion|million)\s+(?:dollars|pounds|euros)\b|\bfortune\b|\bworth\s+(?:an\s+estimated\s+)?[$£€]", _I),
    "measure": re.compile(
        r"\b\d[\d,]*(?:\.\d+)?\s*-?\s*(?:liters?|litres?|l|cc|ml|kg|kilograms?|grams?|g|tons?|tonnes?|lbs?|ounces?|oz|"
        r"mph|km/h|kph|kmh|km|kilomet(?:er|re)s?|miles?|meters?|metres?|m|ft|feet|foot|inch(?:es)?|in|cm|mm|"
        r"degrees?|°|hp|horsepower|bhp|kw|kwh|mah|gb|tb|mb|acres?|hectares?|storeys?|stories|floors?|"
        r"square\s+(?:feet|metres|meters|miles)|sq\s?ft|cylinders?|knots)(?![a-z])", _I),
    "punishment": re.compile(
        r"\bsentenced\b|\bjailed\b|\bimprison\w*|\bincarcerat\w*|\b(?:in|behind)\s+(?:federal\s+|state\s+)?(?:prison|jail|bars)\b"
        r"|\blife\s+(?:sentence|imprisonment|term)\b|\bfined\b|\bbanned\s+from\b|\bsuspended\s+(?:for|from)\b"
        r"|\bprobation\b|\bcommunity\s+service\b|\bdeath\s+(?:penalty|sentence)\b|\bexecuted\b|\bdismissed\b", _I),
    "founder": re.compile(
        r"\bfounded\b|\bco-?found\w*|\bfounders?\b|\bset\s+up\b|\bbrains?\s+behind\b|\bmasterminds?\b"
        r"|\b(?:man|woman|men|women|person|people|mind|minds|team|couple|duo|pair|family)\s+behind\b"
        r"|\bcame\s+up\s+with\b|\bcreators?\b|\b(?:created|started|launched|established|begun|run)\s+by\b|\binvent(?:ed|or)\b",
        _I),  # "launched", "started" alone say what a product did, not who is behind it
    "called": re.compile(r"\b(?:called|named|dubbed|known\s+as|branded|titled|christened|nicknamed)\b", _I),
    "signing": re.compile(
        r"\bsign(?:ed|s|ing)?\s+(?:\w+\s+){0,3}?(?:with|to|for|by)\b|\brecords\b|\bmusic\s+group\b|\brecord\s+(?:deal|label|contract)\b"
        r"|\blabel\b|\bimprint\b", _I),
}

_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?:\s*(?:million|billion|thousand|m|bn|k))?(?![\d])"
                     r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|thirty|"
                     r"forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|dozens?)\b", _I)
_TOKEN = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_FOCUS = re.compile(r"\bhow\s+many\s+((?:[\w'’-]+\s+){0,3}?[\w'’-]+?)(?=\s+(?:do|does|did|is|are|was|were|will|would|"
                    r"have|has|had|can|could|should|might|must|of|in|at|on|for|to|did|make|made|\w+ed)\b|[?,.]|$)", _I)
_GENERIC_FOCUS = frozenset({concept("people"), concept("times"), concept("things"), concept("ones"), concept("more"),
                            concept("other")})
_MEASURED = re.compile(r"\bhow\s+(?:large|big|powerful|heavy|long|tall|wide|deep|fast|far|high)\s+(?:is|are|was|were|will\s+be)\s+"
                       r"(?:the|its|his|her|their|a|an)\s+(?:new\s+)?([\w'’-]+)", _I)
# Words after which a number no longer describes what follows: "5.8 metres long and its engine ...".
_CLAUSE_BREAK = frozenset("and but or while whereas which that who whose".split())
FOCUS_WINDOW = 4  # tokens between a number and the thing it counts ("12,000 in attendance", "45 close flybys")


def specific_kind(question: str) -> str | None:
    """The precise kind of answer `question` asks for ("age", "clock", "duration", "money", "measure",
    "count", "punishment", "founder", "called", "signing"), or None; "count" only when what is counted is specific."""
    for kind, pattern in _QUESTION_KINDS:
        if pattern.search(question or ""):
            return None if kind == "count" and not count_focus(question) else kind
    return None


@lru_cache(maxsize=4096)
def count_focus(question: str) -> frozenset[str]:
    """Concepts of what a "how many" question counts: "spectators" in "How many spectators watched ...".

    Concepts, so the number may sit next to any word of the same group (attendance, crowd, fans). Empty
    when it counts something too general to look for next to the number ("people", "times"): "two
    people familiar with the matter" is not an answer to "how many people did it employ"."""
    m = _FOCUS.search(question or "")
    return concepts(m.group(1)) - _GENERIC_FOCUS if m else frozenset()


@lru_cache(maxsize=4096)
def measure_focus(question: str) -> frozenset[str]:
    """Concepts of what a "how large is the X" question measures: "engine" in "How large is the engine ..."."""
    m = _MEASURED.search(question or "")
    return concepts(m.group(1)) - _GENERIC_FOCUS if m else frozenset()


NONE, KIND, FOCUSED = 0, 1, 2


@lru_cache(maxsize=50_000)
def holds_specific(sentence: str, kind: str | None, question: str) -> int:
    """How well `sentence` holds an answer of `kind` (see `specific_kind`) other than what the question
    states: NONE, KIND, or FOCUSED when it also sits next to what the question counts or measures.

    A count must sit next to what is counted; a measure next to what is measured when the question names
    it ("a 2.0-liter, naturally-aspirated four-cylinder engine" for "how large is the engine")."""
    if kind is None or not sentence:
        return NONE
    if kind == "count":
        return FOCUSED if _near_focus(sentence, question, _NUMBER, count_focus(question)) else NONE
    pattern = _SENTENCE_KINDS.get(kind)
    if pattern is None:
        return NONE
    if kind == "measure" and measure_focus(question):
        return FOCUSED if _near_focus(sentence, question, pattern, measure_focus(question)) else NONE
    stated = {m.group(0).lower() for m in pattern.finditer(question)}
    return KIND if any(m.group(0).lower() not in stated for m in pattern.finditer(sentence)) else NONE


def _near_focus(sentence: str, question: str, pattern: re.Pattern, focus: frozenset[str]) -> bool:
    """A `pattern` match within FOCUS_WINDOW tokens after (or two before) a word of `focus`, not one the
    question states."""
    if not focus:
        return False
    stated = {m.group(0).lower() for m in pattern.finditer(question)}
    tokens = [(m.start(), m.end(), m.group(0).lower()) for m in _TOKEN.finditer(sentence)]
    for m in pattern.finditer(sentence):
        if m.group(0).lower() in stated:
            continue
        after = list(takewhile(lambda t: t not in _CLAUSE_BREAK, [t for s, _, t in tokens if s >= m.end()]))[:FOCUS_WINDOW]
        before = [t for _, e, t in tokens if e <= m.start()][-2:]
        if any(concept(t.replace("’", "'").split("'")[0].replace("-", "")) in focus for t in after + before):
            return True
    return False


# "What did negotiators agree on soybeans?", "What did the minister say about tariffs?": the closing
# phrase names what the answer must be about; the rest of the question is its frame. "On" counts only after
# a word of deciding or saying ("on one charge" and "Wired's piece on neo-banks" are not topics), and a
# time ("on Sunday", "about next week") is when, not what.
_TOPIC = re.compile(r"^\s*(?:what|how|why)\b(?!.*\baccording\s+to\b).*(?:\b(?:about|regarding|concerning)\s+"
                    r"|\b(?:agree[sd]?|agreement|decide[sd]?|decision|deal|say|said|says|stance|position|vote[sd]?|"
                    r"rule[sd]?|ruling|talks?|negotiate[sd]?)\s+(?:[\w'’-]+\s+){0,3}?(?:on|over)\s+)"
                    r"((?:the\s+)?[\w'’-]+(?:\s+[\w'’-]+)?)\s*\?*\s*$", _I)
_ANY_DAY = dt.date(2000, 1, 3)  # find_times needs a reference date; only whether a time is there matters


@lru_cache(maxsize=4096)
def question_topic(question: str) -> frozenset[str]:
    """Concepts of what the question's closing "about ..." / "agree on ..." phrase names, or none."""
    m = _TOPIC.search(question or "")
    if not m or find_times(m.group(1), _ANY_DAY):
        return frozenset()
    return concepts(m.group(1))
