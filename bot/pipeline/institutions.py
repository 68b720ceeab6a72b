"""The one table of institutions and their names, read by events, entities, questions and answers.

Each row gives the short name event titles use ("BoJ"), the long name entity keys compare on ("Bank of
Japan") and the other spellings articles use. Two views are derived from it:
  * `INSTITUTIONS`: any spelling -> short name, for event titles and for matching a question to events;
  * `ALIASES`: lower-case spelling -> lower-case long name (with a few countries, `PLACES`), so "Fed" and
    "Federal Reserve" count as one entity and an answer sentence naming either matches a question naming
    the other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Institution:
    short: str
    long: str
    spellings: tuple[str, ...] = ()


TABLE: tuple[Institution, ...] = (
    Institution("Fed", "Federal Reserve", ("Federal Reserve Board", "Federal Open Market Committee", "FOMC", "the Fed")),
    Institution("BoJ", "Bank of Japan", ("BOJ",)),
    Institution("ECB", "European Central Bank"),
    Institution("BoE", "Bank of England", ("BOE",)),
    Institution("BoC", "Bank of Canada"),
    Institution("PBoC", "People's Bank of China"),
    Institution("RBA", "Reserve Bank of Australia"),
    Institution("RBI", "Reserve Bank of India"),
    Institution("SNB", "Swiss National Bank"),
    Institution("BoK", "Bank of Korea"),
    Institution("IMF", "International Monetary Fund"),
    Institution("OPEC", "Organization of the Petroleum Exporting Countries",
                ("Organisation of the Petroleum Exporting Countries",)),
    Institution("G20", "Group of 20", ("Group of Twenty", "G-20")),
    Institution("G7", "Group of Seven", ("G-7",)),
    Institution("APEC", "Asia-Pacific Economic Cooperation"),
    Institution("BLS", "Bureau of Labor Statistics"),
    Institution("EU", "European Union"),
    Institution("UN", "United Nations"),
)
CENTRAL_BANKS = frozenset({"Fed", "BoJ", "ECB", "BoE", "BoC", "PBoC", "RBA", "RBI", "SNB", "BoK"})

# Any spelling other than the short name itself -> the short name.
INSTITUTIONS: dict[str, str] = {name: i.short for i in TABLE for name in (i.long, *i.spellings)}

# Countries written short: one entity each, but no institution, so never abbreviated in an event title.
PLACES: dict[str, str] = {"us": "united states", "usa": "united states", "uk": "united kingdom"}

# Lower-case short name or spelling -> lower-case long name (the long name maps to itself implicitly).
ALIASES: dict[str, str] = {
    **{
        name.lower(): i.long.lower()
        for i in TABLE
        for name in (i.short, *i.spellings)
        if not name.lower().startswith("the ")
    },
    **PLACES,
}
