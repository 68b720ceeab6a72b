"""The `usage` table: model calls and their tokens, the daily budget, and the operator's usage reports.

A mixin of `storage.store.Store`: methods use `self._query`, `self._one` and `self.write()` from it.
A brief's usage row is written inside `save_brief` / `replace_brief_content`'s transaction (through
`_insert_brief_usage`); answers and digest intros write theirs with `record_usage`. Days are UTC dates, the
unit of the daily token budget. The reports are operator reports across teams, not reads for a
conversation, so they do not go through `visible_scope`; two of them count briefs by the backend that
wrote them, which is how a budget fallback shows.
"""

from __future__ import annotations

from typing import Any


def _since(column: str, since: str | None) -> tuple[str, list[Any]]:
    return (f" where {column} >= ?", [since]) if since else ("", [])


class UsageStore:
    # -- writes and the budget ----------------------------------------------------------------------

    def record_usage(self, row: dict) -> None:
        with self.write() as db:
            db["usage"].insert(row)

    def tokens_used(self, team: str, day: str) -> int:
        row = self._one(
            "select coalesce(sum(prompt_tokens + completion_tokens), 0) as t from usage where team = ? and day = ?",
            [team, day],
        )
        return int(row["t"]) if row else 0

    @staticmethod
    def _insert_brief_usage(db, usage: dict | None, *, team: str, brief_id: str, now: str) -> None:
        """One `usage` row for a brief's model call(s); nothing for the embedded backend (no calls)."""
        if not usage or not usage.get("calls"):
            return
        db["usage"].insert(
            {
                "team": team,
                "brief_id": brief_id,
                "kind": "brief",
                "model": usage.get("model"),
                "prompt_tokens": usage.get("prompt_tokens", 0),
                "completion_tokens": usage.get("completion_tokens", 0),
                "cached_tokens": usage.get("cached_tokens", 0),
                "day": now[:10],
                "created_at": now,
            }
        )

    # -- reports (`briefbot usage`) ----------------------------------------------------------------

    def usage_by_model(self, since: str | None = None) -> list[dict]:
        """Calls and tokens per model and kind (brief | answer | digest_intro) since a UTC day."""
        where, params = _since("day", since)
        return self._query(
            "select model, kind, count(*) as calls, coalesce(sum(prompt_tokens), 0) as prompt_tokens, "
            "coalesce(sum(cached_tokens), 0) as cached_tokens, "
            "coalesce(sum(completion_tokens), 0) as completion_tokens "
            f"from usage{where} group by model, kind order by model, kind",
            params,
        )

    def usage_by_team_day(self, since: str | None = None) -> list[dict]:
        """Tokens (prompt + completion, as the budget counts them) per team and UTC day."""
        where, params = _since("day", since)
        return self._query(
            "select team, day, count(*) as calls, "
            "coalesce(sum(prompt_tokens + completion_tokens), 0) as tokens "
            f"from usage{where} group by team, day order by day, team",
            params,
        )

    def briefs_by_backend(self, since: str | None = None) -> list[dict]:
        """How many briefs each backend wrote (openai, embedded, embedded (fallback), embedded (budget))."""
        where, params = _since("substr(created_at, 1, 10)", since)
        return self._query(
            f"select backend, count(*) as briefs from briefs{where} group by backend order by briefs desc, backend",
            params,
        )

    def budget_fallbacks_by_team_day(self, since: str | None = None) -> list[dict]:
        """Briefs written by the embedded backend because a team's daily budget was spent."""
        where, params = _since("substr(created_at, 1, 10)", since)
        where = (where + " and" if where else " where") + " backend = 'embedded (budget)'"
        return self._query(
            "select team, substr(created_at, 1, 10) as day, count(*) as briefs "
            f"from briefs{where} group by team, day order by day, team",
            params,
        )
