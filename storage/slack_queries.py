"""Slack-specific records: replies posted, conversation kinds, jobs per message, App Home reads.

A mixin of `storage.store.Store`: methods use `self._query`, `self._one` and `self.write()` from it.
The `replies` table (m004) is what makes "exactly one reply per (channel, message ts, url)" hold even when
a job runs twice (a crash between posting and finishing the job, a requeue at start-up).
"""

from __future__ import annotations

from storage.scope import visible_scope

_JOB_COLUMNS = ("source", "team", "channel", "visibility", "message_ts", "thread_ts", "user", "kind")
_JOB_VALUES = "(" + ", ".join("?" * len(_JOB_COLUMNS)) + ", 'queued', 0, ?, ?)"
_INSERT_CHUNK = 500  # rows per statement, well under SQLite's limit on bound parameters


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

    def enqueue_job_batches(self, batches: list[tuple[list[dict], str]]) -> list[list[tuple[int, bool]]]:
        """Several batches of jobs (each with its own `now`) in ONE transaction: the ack path's group
        commit, where requests arriving together share a BEGIN/COMMIT instead of queueing for one each.

        This runs on the ack path, and every statement hands the interpreter back and forth while the
        store's lock is held; so it is a fixed three statements however many jobs: BEGIN IMMEDIATE, one
        multi-row `insert or ignore … returning` on the unique (team, channel, message_ts, source) index,
        COMMIT. Keys it did not insert (redeliveries) are looked up afterwards, one by one. Jobs with a NULL
        key part, which that index cannot deduplicate, go through `enqueue_job`'s explicit check.
        """
        out: list[list[tuple[int, bool] | None]] = [[None] * len(jobs) for jobs, _ in batches]
        first: dict[tuple, tuple[int, int]] = {}  # key -> where it first appears
        repeats: list[tuple[int, int, tuple]] = []  # the same key again in this group: not created
        rows: list[list] = []
        with self.write() as db:
            conn = db.conn
            for b, (jobs, now) in enumerate(batches):
                for j, job in enumerate(jobs):
                    if any(job.get(k) is None for k in ("team", "channel", "message_ts")):
                        out[b][j] = self.enqueue_job(job, now)
                        continue
                    key = (job["team"], job["channel"], job["message_ts"], job["source"])
                    if key in first:
                        repeats.append((b, j, key))
                        continue
                    first[key] = (b, j)
                    rows.append([*(job.get(c) for c in _JOB_COLUMNS), now, now])
            inserted: dict[tuple, int] = {}
            for start in range(0, len(rows), _INSERT_CHUNK):
                chunk = rows[start:start + _INSERT_CHUNK]
                values = ", ".join([_JOB_VALUES] * len(chunk))
                cursor = conn.execute(
                    f"insert or ignore into jobs ({', '.join(_JOB_COLUMNS)}, state, attempts, created_at, "
                    f"updated_at) values {values} returning id, team, channel, message_ts, source",
                    [v for row in chunk for v in row],
                )
                inserted.update({tuple(found[1:]): found[0] for found in cursor.fetchall()})
            ids: dict[tuple, tuple[int, bool]] = {}
            for key in first:
                if key in inserted:
                    ids[key] = (inserted[key], True)
                else:
                    row = conn.execute(
                        "select id from jobs where team = ? and channel = ? and message_ts = ? and source = ?",
                        list(key),
                    ).fetchone()
                    ids[key] = (row[0], False)
        for key, (b, j) in first.items():
            out[b][j] = ids[key]
        for b, j, key in repeats:
            out[b][j] = (ids[key][0], False)
        return out

    def ack_path_store(self):
        """A second Store on the same file, for the ack path's jobs inserts only.

        It fails fast instead of sleeping in SQLite's busy handler (whose steps of 1, 2, 5, 10… ms made a
        second connection look worse than sharing one) — the caller retries in finer steps — and it never
        runs the WAL checkpoint itself (a COMMIT that does so takes tens of ms); the shared connection
        still checkpoints as usual. None for an in-memory database."""
        if self.path in ("", ":memory:") or self.path.startswith("file:"):
            return None  # a second connection would open a different database
        other = type(self)(self.path)
        with other._lock:
            other.db.conn.execute("PRAGMA busy_timeout = 0")
            other.db.conn.execute("PRAGMA wal_autocheckpoint = 0")
        return other

    def jobs_for_message(self, team: str | None, channel: str | None, message_ts: str | None) -> list[dict]:
        return self._query(
            "select * from jobs where team is ? and channel is ? and message_ts is ? order by id",
            [team, channel, message_ts],
        )

    def requeue_job(self, job_id: int, *, error: str, now: str, count_attempt: bool = True) -> None:
        """Put a job that hit a passing error back in the queue. Its attempts count stays, unless the
        failure was ours rather than the job's (`count_attempt=False`: a full disk), which gives it back."""
        refund = 0 if count_attempt else 1
        with self.write() as db:
            db.execute(
                "update jobs set state = 'queued', error = ?, attempts = max(attempts - ?, 0), updated_at = ? "
                "where id = ?",
                [error, refund, now, job_id],
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
