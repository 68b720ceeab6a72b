"""Slack-specific records: replies posted, conversation kinds, jobs per message, App Home reads.

A mixin of `storage.store.Store`: methods use `self._query`, `self._one` and `self.write()` from it.
The `replies` table (m004) is what makes "exactly one reply per (channel, message ts, url)" hold even when
a job runs twice (a crash between posting and finishing the job, a requeue at start-up).
"""

from __future__ import annotations

from storage.scope import visible_scope


class SlackQueries:
    # -- replies ------------------------------------------------------------------------------------

    def reply_for(self, channel: str, message_ts: str, key: str) -> dict | None:
        """The reply already posted for (channel, message ts, url or other key), if any."""
        return self._one(
            "select * from replies where channel = ? and message_ts = ? and key = ?", [channel, message_ts, key]
        )

    def record_reply(self, *, team: str, channel: str, message_ts: str, key: str, reply_ts: str | None,
                     brief_id: str | None, now: str) -> bool:
        """Remember a reply. `reply_ts=None` claims it before posting (a pending row); a later call with the
        ts fills the pending row in. False when a posted reply was already recorded (or, for a claim,
        when any row exists)."""
        with self.write() as db:
            cursor = db.execute(
                "insert into replies (team, channel, message_ts, key, reply_ts, brief_id, created_at) "
                "values (?, ?, ?, ?, ?, ?, ?) on conflict (channel, message_ts, key) do update set "
                "reply_ts = excluded.reply_ts, brief_id = excluded.brief_id "
                "where replies.reply_ts is null and excluded.reply_ts is not null",
                [team, channel, message_ts, key, reply_ts, brief_id, now],
            )
            return cursor.rowcount == 1

    def release_reply(self, channel: str, message_ts: str, key: str) -> None:
        """Drop a pending claim when Slack refused the post for good (nothing went out)."""
        with self.write() as db:
            db.execute(
                "delete from replies where channel = ? and message_ts = ? and key = ? and reply_ts is null",
                [channel, message_ts, key],
            )

    # -- conversations ------------------------------------------------------------------------------

    def conversation_kind(self, channel: str) -> str | None:
        """public | private | dm, as last seen in an event or `conversations.info`; None if unknown."""
        row = self._one("select kind from conversations where channel = ?", [channel])
        return row["kind"] if row else None

    def save_conversation_kind(self, channel: str, team: str, kind: str, now: str) -> None:
        with self.write() as db:
            db.execute(
                "insert into conversations (channel, team, kind, updated_at) values (?, ?, ?, ?) "
                "on conflict(channel) do update set kind = excluded.kind, team = excluded.team, "
                "updated_at = excluded.updated_at",
                [channel, team, kind, now],
            )

    # -- jobs ---------------------------------------------------------------------------------------

    def enqueue_jobs(self, jobs: list[dict], now: str) -> list[tuple[int, bool]]:
        """Queue several jobs in one short transaction; (id, created) each, like `enqueue_job`.

        This runs on the ack path, so it is one `insert or ignore` per job on the unique
        (team, channel, message_ts, source) index. Jobs with a NULL key part, which that index cannot
        deduplicate, go through `enqueue_job`'s explicit check instead.
        """
        out: list[tuple[int, bool]] = []
        columns = ("source", "team", "channel", "visibility", "message_ts", "thread_ts", "user", "kind")
        with self.write() as db:
            for job in jobs:
                if any(job.get(k) is None for k in ("team", "channel", "message_ts")):
                    out.append(self.enqueue_job(job, now))
                    continue
                cursor = db.conn.execute(
                    f"insert or ignore into jobs ({', '.join(columns)}, state, attempts, created_at, updated_at) "
                    f"values ({', '.join('?' * len(columns))}, 'queued', 0, ?, ?)",
                    [*(job.get(c) for c in columns), now, now],
                )
                if cursor.rowcount == 1:
                    out.append((cursor.lastrowid, True))
                else:
                    row = db.conn.execute(
                        "select id from jobs where team = ? and channel = ? and message_ts = ? and source = ?",
                        [job["team"], job["channel"], job["message_ts"], job["source"]],
                    ).fetchone()
                    out.append((row[0], False))
        return out

    def jobs_for_message(self, team: str | None, channel: str | None, message_ts: str | None) -> list[dict]:
        return self._query(
            "select * from jobs where team is ? and channel is ? and message_ts is ? order by id",
            [team, channel, message_ts],
        )

    def requeue_job(self, job_id: int, *, error: str, now: str) -> None:
        """Put a job that hit a passing error back in the queue (its attempts count stays)."""
        with self.write() as db:
            db.execute(
                "update jobs set state = 'queued', error = ?, updated_at = ? where id = ?", [error, now, job_id]
            )

    def queued_job_count(self) -> int:
        row = self._one("select count(*) as n from jobs where state in ('queued', 'running')")
        return int(row["n"]) if row else 0

    # -- reads for Slack surfaces -------------------------------------------------------------------

    def visible_storylines(self, team: str, channel: str | None, *, limit: int = 20) -> list[dict]:
        """Open storylines with at least one brief this conversation may see, latest update first.

        `channel=None` (the App Home) sees public briefs only.
        """
        scope, params = visible_scope(team, channel, "b")
        return self._query(
            f"""
            select s.id, s.title, s.updated_at, count(b.id) as briefs, max(b.created_at) as last_brief_at
            from storylines s join brief_storylines bs on bs.storyline_id = s.id join briefs b on b.id = bs.brief_id
            where s.team = ? and s.status = 'open' and {scope}
            group by s.id order by s.updated_at desc, s.n desc limit ?
            """,
            [team, *params, limit],
        )

    def team_schedules(self, team: str) -> list[dict]:
        return self._query("select * from schedules where team = ? order by channel", [team])

    def brief_team_channel(self, brief_id: str) -> dict | None:
        return self._one("select id, team, channel, visibility from briefs where id = ?", [brief_id.strip().upper()])

    def unlink_brief_storyline(self, brief_id: str, storyline_id: str, now: str) -> bool:
        """Take a brief out of a storyline ("Wrong storyline"). False when it was not in it."""
        with self.write() as db:
            cursor = db.execute(
                "delete from brief_storylines where brief_id = ? and storyline_id = ?", [brief_id, storyline_id]
            )
            if cursor.rowcount:
                db.execute("update storylines set updated_at = ? where id = ?", [now, storyline_id])
            return cursor.rowcount > 0

    def brief_reply(self, brief_id: str) -> dict | None:
        """Where a brief was posted (its first reply), for permalinks in cited answers."""
        return self._one(
            "select channel, reply_ts, message_ts from replies where brief_id = ? and reply_ts is not null "
            "order by id limit 1",
            [brief_id.strip().upper()],
        )
