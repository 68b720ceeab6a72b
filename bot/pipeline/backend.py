"""The protocol every backend implements, kept with the domain models so the pipeline depends on it
without importing `bot.backends`.

The pipeline only ever calls these three methods, so the embedded and OpenAI backends are
interchangeable and a failing one can be replaced by the other mid-flight.
"""

from __future__ import annotations

from typing import Protocol

from bot.pipeline.models import Answer, Article, BriefContext, BriefDraft, Event, Passage


class Backend(Protocol):
    label: str  # written into every brief and answer it produces ("embedded", "openai", "embedded (fallback)")

    def brief(self, article: Article, ctx: BriefContext) -> BriefDraft:
        """Write a brief for one article. Raise `BackendError` when it cannot."""

    def answer(self, question: str, passages: list[Passage]) -> Answer:
        """Answer from the numbered passages only, citing them; never from outside knowledge."""

    def digest_intro(self, events: list[Event]) -> str | None:
        """An optional 'what to watch' paragraph that mentions only the given events."""
