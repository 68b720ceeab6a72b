"""Model usage reports and budgets.

A mixin of `storage.store.Store`: methods use `self._query`, `self._one` and `self.write()` from it.
Usage rows are written by `Store.save_brief` / `replace_brief_content` (briefs) and `Store.record_usage`
(answers, digest intros); days are UTC dates, the unit of the daily token budget. These are operator
reports across teams, not reads for a conversation, so they do not go through `visible_scope`.
"""

from __future__ import annotations

from typing import Any


def _since(column: str, since: str | None) -> tuple[str, list[Any]]:
    return (f" where {column} >= ?", [since]) if since else ("", [])


class UsageQueries:
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
