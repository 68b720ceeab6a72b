"""The `schedules` and `digests` tables: when each channel's digest is due, and the ledger of digests posted.

A mixin of `storage.store.Store`: methods use `self._query`, `self._one` and `self.write()` from it.
A scheduled digest is claimed once per (channel, local date) before posting — a unique index (m004)
enforces it, so two processes never both post one — and marked posted or given back afterwards.
Manual digests may repeat, so each gets its own ledger row, addressed by id.
"""

from __future__ import annotations

from typing import Any


class ScheduleStore:
    # -- schedules ----------------------------------------------------------------------------------

    def get_schedule(self, channel: str) -> dict | None:
        return self._one("select * from schedules where channel = ?", [channel])

    def upsert_schedule(self, *, channel: str, team: str, time: str, timezone: str, days: str, now: str) -> None:
        """Turn a channel's schedule on with these values (creating the row or replacing its values)."""
        with self.write() as db:
            db.execute(
                """
                insert into schedules (channel, team, time, timezone, days, enabled, created_at, updated_at)
                values (?, ?, ?, ?, ?, 1, ?, ?)
                on conflict(channel) do update set team = excluded.team, time = excluded.time,
                    timezone = excluded.timezone, days = excluded.days, enabled = 1,
                    updated_at = excluded.updated_at
                """,
                [channel, team, time, timezone, days, now, now],
            )

    def disable_schedule(self, channel: str, *, now: str) -> bool:
        """Turn a schedule off, keeping its values. False when there was no enabled schedule."""
        with self.write() as db:
            cursor = db.execute(
                "update schedules set enabled = 0, updated_at = ? where channel = ? and enabled = 1", [now, channel]
            )
            return cursor.rowcount == 1

    def list_schedules(self, *, team: str | None = None, enabled_only: bool = False) -> list[dict]:
        sql = "select * from schedules where 1 = 1"
        params: list[Any] = []
        if team is not None:
            sql += " and team = ?"
            params.append(team)
        if enabled_only:
            sql += " and enabled = 1"
        return self._query(sql + " order by team, channel", params)

    # -- the ledger: a scheduled digest is claimed once per channel, local date and kind ----------

    def claim_digest(self, *, team: str, channel: str, local_date: str, kind: str, now: str) -> bool:
        """Claim (channel, local date, kind) before posting. False if it is already claimed or posted."""
        with self.write() as db:
            cursor = db.execute(
                "insert or ignore into digests (team, channel, local_date, kind, state, claimed_at) "
                "values (?, ?, ?, ?, 'claimed', ?)",
                [team, channel, local_date, kind, now],
            )
            return cursor.rowcount == 1

    def mark_digest_posted(self, *, channel: str, local_date: str, kind: str, ts: str, now: str) -> None:
        with self.write() as db:
            db.execute(
                "update digests set state = 'posted', posted_ts = ?, posted_at = ? "
                "where channel = ? and local_date = ? and kind = ?",
                [ts, now, channel, local_date, kind],
            )

    def release_digest(self, *, channel: str, local_date: str, kind: str) -> None:
        """A failed post gives the claim back so a retry can post."""
        with self.write() as db:
            db.execute(
                "delete from digests where channel = ? and local_date = ? and kind = ? and state = 'claimed'",
                [channel, local_date, kind],
            )

    # -- the ledger: manual digests may repeat, so each row is addressed by its id ----------------

    def claim_manual_digest(self, *, team: str, channel: str, local_date: str, now: str) -> int:
        """Record a manual digest about to be posted; never blocks (manual posts may repeat). Returns its id."""
        with self.write() as db:
            cursor = db.execute(
                "insert into digests (team, channel, local_date, kind, state, claimed_at) "
                "values (?, ?, ?, 'manual', 'claimed', ?)",
                [team, channel, local_date, now],
            )
            return int(cursor.lastrowid)

    def mark_digest_row_posted(self, digest_id: int, *, ts: str, now: str) -> None:
        with self.write() as db:
            db.execute(
                "update digests set state = 'posted', posted_ts = ?, posted_at = ? where id = ?", [ts, now, digest_id]
            )

    def release_digest_row(self, digest_id: int) -> None:
        """A failed manual post leaves no record behind."""
        with self.write() as db:
            db.execute("delete from digests where id = ? and state = 'claimed'", [digest_id])

    # -- the ledger: reads and recovery -------------------------------------------------------------

    def get_digest_row(self, *, channel: str, local_date: str, kind: str) -> dict | None:
        """The newest ledger row of a channel, local date and kind (claimed or posted)."""
        return self._one(
            "select * from digests where channel = ? and local_date = ? and kind = ? order by id desc limit 1",
            [channel, local_date, kind],
        )

    def last_posted_digest(self, channel: str, before_date: str | None = None) -> dict | None:
        sql = "select * from digests where channel = ? and state = 'posted'"
        params: list[Any] = [channel]
        if before_date:
            sql += " and local_date < ?"
            params.append(before_date)
        return self._one(sql + " order by posted_at desc limit 1", params)

    def digests_posted_by_kind(self) -> dict[str, int]:
        """Digests posted so far, per kind (scheduled | manual): for the operator's metrics."""
        rows = self._query("select kind, count(*) as n from digests where state = 'posted' group by kind")
        return {r["kind"]: int(r["n"]) for r in rows}

    def release_stale_digest_claims(self, *, claimed_before: str) -> list[dict]:
        """Claims older than `claimed_before` still unposted were left by a process that died mid-post.

        Giving them back lets the start-up catch-up post the digest instead of skipping it forever.
        """
        with self.write() as db:
            rows = self._query(
                "select * from digests where state = 'claimed' and claimed_at < ? order by id", [claimed_before]
            )
            for row in rows:
                db.execute("delete from digests where id = ?", [row["id"]])
        return rows
