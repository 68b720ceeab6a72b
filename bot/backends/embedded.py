"""The embedded backend: briefs from the pipeline's own modules and answers from the extractive answerer
beside it (`embedded_answer.py`), no network, no model.

It is what runs with no credentials, and what the OpenAI backend falls back to when the API fails.
"""

from __future__ import annotations

from bot.backends.embedded_answer import extractive_answer
from bot.pipeline.entities import find_entities
from bot.pipeline.events import extract_events
from bot.pipeline.language import is_english, language_note
from bot.pipeline.models import Answer, Article, BriefContext, BriefDraft, Event, Passage
from bot.pipeline.storylines import assign_storylines
from bot.pipeline.summarize import summarize


class EmbeddedBackend:
    def __init__(self, label: str = "embedded"):
        self.label = label  # "embedded (fallback)" when standing in for the OpenAI backend

    def brief(self, article: Article, ctx: BriefContext) -> BriefDraft:
        summary = summarize(article.text, language=article.language)
        entities = find_entities(f"{article.title}\n\n{article.text}" if article.title else article.text)
        english = is_english(article.language)
        # The event tagger reads English time expressions only; elsewhere it would invent or miss dates.
        events = extract_events(article.text, ctx.ref_date) if english else []
        notes = [] if english else [language_note(article.language, self.label)]
        storylines = assign_storylines(article.title, summary, entities, ctx.open_storylines, article.text,
                                       language=article.language)
        return BriefDraft(
            tldr=summary.tldr,
            key_points=list(summary.key_points),
            open_questions=list(summary.open_questions),
            entities=entities,
            events=events,
            storylines=storylines,
            backend=self.label,
            notes=notes,
        )

    def answer(self, question: str, passages: list[Passage]) -> Answer:
        return extractive_answer(question, passages, backend=self.label)

    def digest_intro(self, events: list[Event]) -> str | None:
        return None
