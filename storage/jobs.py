"""The `jobs` table: the durable ingest queue of Slack work (links, questions, commands).

A mixin of `storage.store.Store`: methods use `self._query`, `self._one` and `self.write()` from it.
A job is unique per (team, channel, message ts, source), so a redelivered Slack event finds its job
instead of queueing a second one. States: queued -> running -> done | failed; a crash leaves `running`
rows that `requeue_stale_jobs` hands back at start-up.
"""

from __future__ import annotations

_JOB_COLUMNS = ("source", "team", "channel", "visibility", "message_ts", "thread_ts", "user", "kind")
_JOB_VALUES = "(" + ", ".join("?" * len(_JOB_COLUMNS)) + ", 'queued', 0, ?, ?)"
_INSERT_CHUNK = 500  # rows per statement, well under SQLite's limit on bound parameters


class JobStore:
    # -- queueing -----------------------------------------------------------------------------------

    def enqueue_job(self, job: dict, now: str) -> tuple[int, bool]:
        """Queue a job unless the same (team, channel, message ts, source) exists. Returns (id, created)."""
        with self.write() as db:
            existing = self._one(
                "select id from jobs where team is ? and channel is ? and message_ts is ? and source = ?",
                [job.get("team"), job.get("channel"), job.get("message_ts"), job["source"]],
            )
            if existing:
                return existing["id"], False
            job_id = db["jobs"].insert(
                {**job, "state": "queued", "attempts": 0, "created_at": now, "updated_at": now}
            ).last_pk
        return job_id, True

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

    # -- working through the queue ------------------------------------------------------------------

    def claim_job(self, now: str) -> dict | None:
        """Atomically take the oldest queued job and mark it running (attempts + 1)."""
        with self.write() as db:
            row = self._one("select * from jobs where state = 'queued' order by id limit 1")
            if row is None:
                return None
            db.execute(
                "update jobs set state = 'running', attempts = attempts + 1, updated_at = ? where id = ?",
                [now, row["id"]],
            )
        row["state"] = "running"
        row["attempts"] += 1
        return row

    def finish_job(self, job_id: int, *, brief_id: str | None, now: str) -> None:
        with self.write() as db:
            db.execute(
                "update jobs set state = 'done', brief_id = ?, error = null, updated_at = ? where id = ?",
                [brief_id, now, job_id],
            )

    def fail_job(self, job_id: int, *, error: str, now: str) -> None:
        with self.write() as db:
            db.execute(
                "update jobs set state = 'failed', error = ?, updated_at = ? where id = ?", [error, now, job_id]
            )

    def requeue_stale_jobs(self, *, max_attempts: int, now: str) -> tuple[list[int], list[dict]]:
        """Jobs left `running` by a crash go back to the queue, or fail once they used every attempt."""
        requeued: list[int] = []
        failed: list[dict] = []
        with self.write() as db:
            for row in self._query("select * from jobs where state = 'running' order by id"):
                if row["attempts"] >= max_attempts:
                    error = f"gave up after {row['attempts']} attempts (the bot stopped while working on it)"
                    db.execute(
                        "update jobs set state = 'failed', error = ?, updated_at = ? where id = ?",
                        [error, now, row["id"]],
                    )
                    failed.append({**row, "state": "failed", "error": error})
                else:
                    db.execute("update jobs set state = 'queued', updated_at = ? where id = ?", [now, row["id"]])
                    requeued.append(row["id"])
        return requeued, failed

    def requeue_job(self, job_id: int, *, error: str, now: str) -> None:
        """Put a job that hit a passing error back in the queue (its attempts count stays)."""
        with self.write() as db:
            db.execute(
                "update jobs set state = 'queued', error = ?, updated_at = ? where id = ?", [error, now, job_id]
            )

    def queue_stats(self) -> dict:
        """Jobs waiting for a worker: how many, and when the oldest was queued (None when none wait)."""
        row = self._one("select count(*) as depth, min(created_at) as oldest from jobs where state = 'queued'")
        return {"depth": int(row["depth"]), "oldest": row["oldest"]}

    def queued_job_count(self) -> int:
        row = self._one("select count(*) as n from jobs where state in ('queued', 'running')")
        return int(row["n"]) if row else 0

    def jobs_for_message(self, team: str | None, channel: str | None, message_ts: str | None) -> list[dict]:
        return self._query(
            "select * from jobs where team is ? and channel is ? and message_ts is ? order by id",
            [team, channel, message_ts],
        )
