"""Match a new brief to the open storylines it continues, or open a new one.

Interim version (entity overlap only); the storylines issue replaces it with TF-IDF + entity matching
tuned on a labelled set.
"""

from __future__ import annotations

from bot.pipeline.models import StorylineAssignment, StorylineRef, Summary


def assign_storylines(
    title: str, summary: Summary, entities: list[str], open_storylines: list[StorylineRef], text: str = ""
) -> StorylineAssignment:
    mine = {e.lower() for e in entities[:8]}
    matched = [s.id for s in open_storylines if len(mine & {e.lower() for e in s.entities}) >= 2]
    if matched:
        return StorylineAssignment(existing=matched[:2])
    label = " / ".join(entities[:2]) if entities else (title or summary.tldr)[:60]
    return StorylineAssignment(new_titles=[label] if label else [])
