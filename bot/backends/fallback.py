"""A model backend that can never leave a team without a brief, nor run up a bill unnoticed.

`GuardedBackend` wraps a model backend (the OpenAI one) with two guards:
  * budget: once a team's tokens for the UTC day reach `daily_token_budget`, briefs and answers come from
    the embedded backend, labelled "embedded (budget)", until the next UTC day;
  * fallback: any failure of the model call (HTTP errors after the SDK's retries, timeouts, refusals,
    length stops, invalid JSON, a response that fails validation as a whole) is logged as one line and
    the embedded backend writes the brief instead, labelled "embedded (fallback)"; `briefbot rebrief`
    redoes it with the model later.
Tokens a failed call still used (a length stop is billed) stay on the record: they ride on the fallback
brief's usage, or go straight to the usage table for answers and digest intros.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import replace
from typing import Protocol

from bot.backends.embedded import EmbeddedBackend
from bot.clock import Clock, SystemClock
from bot.errors import BackendError
from bot.pipeline.models import NO_ANSWER, Answer, Article, BriefContext, BriefDraft, Event, Passage, Usage

log = logging.getLogger(__name__)

FALLBACK_LABEL = "embedded (fallback)"
BUDGET_LABEL = "embedded (budget)"


class ModelFailure(BackendError):
    """A model call that produced nothing usable; `usage` holds whatever tokens it still cost."""

    def __init__(self, cause: str, usage: Usage | None = None):
        super().__init__(cause)
        self.usage = usage or Usage()


class ModelBackend(Protocol):
    model: str

    def brief(self, article: Article, ctx: BriefContext) -> BriefDraft: ...

    def answer_with_usage(self, question: str, passages: list[Passage]) -> tuple[Answer, Usage]: ...

    def intro_with_usage(self, events: list[Event]) -> tuple[str | None, Usage]: ...


def redact(message: str, secrets: tuple[str | None, ...] = ()) -> str:
    """One line, no API keys (ours or anything that looks like one), at most 240 characters."""
    text = " ".join(str(message).split())
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = re.sub(r"\b(sk|rk|pk)-[A-Za-z0-9_*\-]{4,}", r"\1-***", text)
    return text if len(text) <= 240 else text[:239] + "…"


class GuardedBackend:
    """The Backend protocol over a model backend, with the daily budget and the embedded fallback."""

    label = "openai"

    def __init__(self, primary: ModelBackend, *, store=None, clock: Clock | None = None,
                 daily_token_budget: int | None = None, secrets: tuple[str | None, ...] = ()):
        self.primary = primary
        self.store = store
        self.clock = clock or SystemClock()
        self.daily_token_budget = daily_token_budget
        self.secrets = secrets
        self.fallback = EmbeddedBackend(label=FALLBACK_LABEL)
        self.over_budget = EmbeddedBackend(label=BUDGET_LABEL)

    # -- Backend protocol ---------------------------------------------------------------------------

    def brief(self, article: Article, ctx: BriefContext) -> BriefDraft:
        if self.budget_spent(ctx.team):
            draft = self.over_budget.brief(article, ctx)
            log.warning("daily token budget of %s spent for team %r: the embedded backend writes this brief",
                        self.daily_token_budget, ctx.team)
            return replace(draft, notes=[*draft.notes, self._budget_note(ctx.team)])
        try:
            return self.primary.brief(article, ctx)
        except Exception as err:  # noqa: BLE001 - every failure ends in a brief; the cause is logged
            cause = self._cause(err)
            log.warning("model brief failed (%s); the embedded backend writes it", cause)
            draft = self.fallback.brief(article, ctx)
            return replace(draft, usage=getattr(err, "usage", Usage()),
                           notes=[*draft.notes, f"model call failed: {cause}"])

    def answer(self, question: str, passages: list[Passage], team: str | None = None) -> Answer:
        if not passages:
            return Answer(answer=NO_ANSWER, citations=[], backend=self.label)
        team = self._team_of(passages) if team is None else team
        if self.budget_spent(team):
            return self.over_budget.answer(question, passages)
        try:
            answer, usage = self.primary.answer_with_usage(question, passages)
        except Exception as err:  # noqa: BLE001
            cause = self._cause(err)
            log.warning("model answer failed (%s); answering from the passages without the model", cause)
            self._record(team, "answer", getattr(err, "usage", Usage()))
            return self.fallback.answer(question, passages)
        self._record(team, "answer", usage)
        return answer

    def digest_intro(self, events: list[Event], team: str | None = None) -> str | None:
        if not events:
            return None
        team = team or ""
        if self.budget_spent(team):
            return None
        try:
            intro, usage = self.primary.intro_with_usage(events)
        except Exception as err:  # noqa: BLE001
            log.warning("model digest intro failed (%s); the digest goes out without one", self._cause(err))
            self._record(team, "digest_intro", getattr(err, "usage", Usage()))
            return None
        self._record(team, "digest_intro", usage)
        return intro

    # -- budget and bookkeeping ---------------------------------------------------------------------

    def today(self) -> str:
        return self.clock.now().astimezone(dt.UTC).date().isoformat()

    def budget_spent(self, team: str) -> bool:
        """True once the team's tokens today (UTC) reached the daily budget; unset budget: never."""
        if not self.daily_token_budget or self.store is None:
            return False
        return self.store.tokens_used(team or "", self.today()) >= self.daily_token_budget

    def _budget_note(self, team: str) -> str:
        used = self.store.tokens_used(team or "", self.today()) if self.store is not None else 0
        return (f"daily token budget spent ({used:,} of {self.daily_token_budget:,} tokens on {self.today()} UTC): "
                "written by the embedded backend")

    def _team_of(self, passages: list[Passage]) -> str:
        if self.store is None:
            return ""
        record = self.store.get_brief(passages[0].brief_id)
        return record["team"] if record else ""

    def _record(self, team: str, kind: str, usage: Usage) -> None:
        if self.store is None or not usage.calls:
            return
        now = self.clock.utc_stamp()
        self.store.record_usage(
            {
                "team": team or "",
                "brief_id": None,
                "kind": kind,
                "model": usage.model,
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "cached_tokens": usage.cached_tokens,
                "day": now[:10],
                "created_at": now,
            }
        )

    def _cause(self, err: BaseException) -> str:
        if isinstance(err, BackendError):
            return redact(str(err), self.secrets)
        return redact(f"unexpected {type(err).__name__}: {err}", self.secrets)
