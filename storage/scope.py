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
