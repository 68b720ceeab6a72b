"""A workspace's rows across the tables: stopping its work when it uninstalls, and purging what it left.

A mixin of `storage.store.Store`. These are the only writes that span table families, because a team
leaving is one event: its schedules go off and its queued jobs fail together, in one transaction.
Purging deletes the team's briefs (with their events and storyline links), storylines, usage, replies,
conversation kinds, digest ledger, schedules and jobs; articles no other team briefed go too (their text
came from the team's links), with their chunks. The search indexes follow through their triggers.
"""

from __future__ import annotations

UNINSTALLED = "the app was uninstalled from this workspace"

# (table, where clause on :team), in the order they are deleted: children first, so foreign keys hold.
_PURGE = (
    ("events", "brief_id in (select id from briefs where team = :team)"),
    ("brief_storylines", "brief_id in (select id from briefs where team = :team) "
                         "or storyline_id in (select id from storylines where team = :team)"),
    ("briefs", "team = :team"),
    ("storylines", "team = :team"),
    ("usage", "team = :team"),
    ("replies", "team = :team"),
    ("conversations", "team = :team"),
    ("digests", "team = :team"),
    ("schedules", "team = :team"),
    ("jobs", "team = :team"),
)
# Articles briefed by this team and by no other: read before their briefs are deleted.
_ONLY_OURS = ("id in (select article_id from briefs where team = :team) and id not in "
              "(select article_id from briefs where team != :team)")


class TeamStore:
    def stop_team(self, team: str, *, now: str) -> dict[str, int]:
        """Turn the team's schedules off and fail its queued jobs (a running one finishes or fails on its
        own: its Web API calls no longer have a token). Returns how many of each."""
        with self.write() as db:
            schedules = db.execute(
                "update schedules set enabled = 0, updated_at = ? where team = ? and enabled = 1", [now, team]
            ).rowcount
            jobs = db.execute(
                "update jobs set state = 'failed', error = ?, updated_at = ? where team = ? and state = 'queued'",
                [UNINSTALLED, now, team],
            ).rowcount
        return {"schedules": schedules, "jobs": jobs}

    def purge_team(self, team: str, *, dry_run: bool = False) -> dict[str, int]:
        """Delete every row the team left (see the module docstring); `dry_run` only counts them.
        Returns rows per table (articles: those no other team briefed)."""
        with self.write() as db:
            params = {"team": team}
            counts = {table: int(self._one(f"select count(*) as n from {table} where {where}", params)["n"])
                      for table, where in _PURGE}
            article_ids = [r["id"] for r in self._query(f"select id from articles where {_ONLY_OURS}", params)]
            counts["articles"] = len(article_ids)
            if dry_run:
                return counts
            for table, where in _PURGE:
                db.execute(f"delete from {table} where {where}", params)
            for article_id in article_ids:
                db.execute("delete from chunks where article_id = ?", [article_id])
                db.execute("delete from articles where id = ?", [article_id])
        return counts
