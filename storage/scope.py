"""Who may see what: the visibility rule as one SQL condition, shared by every query that reads briefs."""

from __future__ import annotations

from typing import Any


def visible_scope(team: str, channel: str | None, alias: str = "b") -> tuple[str, list[Any]]:
    """SQL condition for the briefs a conversation may see.

    A brief from a private channel or a DM is only ever used in that same conversation; a conversation
    sees its own briefs and the public briefs of the same team; nothing crosses teams.
    """
    return (
        f"({alias}.team = ? and ({alias}.visibility = 'public' or {alias}.channel = ?))",
        [team, channel or ""],
    )


def published_window(start: str | None, end: str | None, briefs: str = "b", articles: str = "a") -> tuple[str, list]:
    """SQL (to append to a where clause) keeping briefs whose article was published in [start, end]
    (ISO dates, inclusive; None leaves that side open). The query must join `articles` as `articles`.

    A brief's date is its article's publication date, or the day it was stored when the article has none:
    a 2019 article briefed today is a 2019 brief, and a pasted text without a date is today's news.
    """
    day = f"coalesce({articles}.published, substr({briefs}.created_at, 1, 10))"
    clauses, args = [], []
    if start:
        clauses.append(f" and {day} >= ?")
        args.append(start)
    if end:
        clauses.append(f" and {day} <= ?")
        args.append(end)
    return "".join(clauses), args
