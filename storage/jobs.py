"""The `jobs` table: the durable ingest queue of Slack work (links, questions, commands).

A mixin of `storage.store.Store`: methods use `self._query`, `self._one` and `self.write()` from it.
A job is unique per (team, channel, message ts, source), so a redelivered Slack event finds its job
instead of queueing a second one. States: queued -> running -> done | failed. A running job is held
under its owner's lease (renewed by a heartbeat); a crash leaves `running` rows whose lease runs out, and
`requeue_stale_jobs` hands those back. Retries wait in `queued` until `not_before`.
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

    def claim_job(self, now: str, *, owner: str | None = None, lease_until: str | None = None) -> dict | None:
        """Atomically take the next ready job, mark it running (attempts + 1) under `owner`'s lease.

        Ready: queued, its backoff (`not_before`) passed, and no earlier job of its conversation waiting
        out a backoff (so a channel's replies keep their order). Of the ready jobs, the oldest of the team
        served longest ago is taken: round-robin across teams, oldest first within one. A claim without an
        owner has no lease, which any pool's recovery treats as expired.
        """
        with self.write() as db:
            row = None
            for team in self._teams_by_turn():
                row = self._one(
                    "select * from jobs j where j.state = 'queued' and j.team is ? "
                    "and (j.not_before is null or j.not_before <= ?) and not exists (select 1 from jobs w "
                    "where w.team is j.team and w.channel is j.channel and w.id < j.id and w.state = 'queued' "
                    "and w.not_before > ?) order by j.id limit 1",
                    [team, now, now],
                )
                if row is not None:
                    break
            if row is None:
                return None
            db.execute(
                "update jobs set state = 'running', attempts = attempts + 1, owner = ?, lease_until = ?, "
                "updated_at = ? where id = ?",
                [owner, lease_until, now, row["id"]],
            )
            db.execute(
                "insert into queue_turns (team, turn) values (?, (select coalesce(max(turn), 0) + 1 from "
                "queue_turns)) on conflict (team) do update set turn = excluded.turn",
                [row["team"] or ""],
            )
        row.update(state="running", attempts=row["attempts"] + 1, owner=owner, lease_until=lease_until)
        return row

    def _teams_by_turn(self) -> list[str | None]:
        """Teams with queued jobs, the one served longest ago first; teams never served before all others,
        the one with the oldest job first. The distinct teams come from a skip-scan of the (state, team, id)
        index — one probe per team, not one row per job — so a claim costs about the same with ten or ten
        thousand jobs queued."""
        teams = [row["team"] for row in self._query(
            "with recursive t(team) as (select min(team) from jobs where state = 'queued' union all "
            "select (select min(team) from jobs where state = 'queued' and team > t.team) from t "
            "where t.team is not null) select team from t where team is not null"
        )]
        if self._one("select 1 as x from jobs where state = 'queued' and team is null limit 1"):
            teams.append(None)
        turns = {row["team"]: row["turn"] for row in self._query("select team, turn from queue_turns")}

        def turn(team: str | None) -> tuple[int, int]:
            if (team or "") in turns:
                return turns[team or ""], 0
            oldest = self._one("select min(id) as id from jobs where state = 'queued' and team is ?", [team])
            return 0, oldest["id"]

        return sorted(teams, key=turn)

    def renew_leases(self, owner: str, job_ids: list[int], lease_until: str) -> int:
        """The heartbeat: extend the lease of these jobs, where `owner` still holds them. Returns how many."""
        marks = ", ".join("?" * len(job_ids))
        with self.write() as db:
            return db.execute(
                f"update jobs set lease_until = ? where owner = ? and state = 'running' and id in ({marks})",
                [lease_until, owner, *job_ids],
            ).rowcount

    def running_owners(self, now: str) -> list[str]:
        """Owners holding a lease that has not run out (whether they still live is the caller's question)."""
        rows = self._query(
            "select distinct owner from jobs where state = 'running' and owner is not null and lease_until > ?",
            [now],
        )
        return [row["owner"] for row in rows]

    def finish_job(self, job_id: int, *, brief_id: str | None, now: str) -> None:
        with self.write() as db:
            db.execute(
                "update jobs set state = 'done', brief_id = ?, error = null, owner = null, lease_until = null, "
                "updated_at = ? where id = ?",
                [brief_id, now, job_id],
            )

    def fail_job(self, job_id: int, *, error: str, now: str) -> None:
        with self.write() as db:
            db.execute(
                "update jobs set state = 'failed', error = ?, owner = null, lease_until = null, updated_at = ? "
                "where id = ?",
                [error, now, job_id],
            )

    def requeue_stale_jobs(self, *, max_attempts: int, now: str,
                           dead_owners: tuple[str, ...] | list[str] = ()) -> tuple[list[int], list[dict]]:
        """Jobs whose lease ran out (their pool stopped heartbeating: it crashed or hangs) or whose owner is
        known dead go back to the queue, or fail once they used every attempt. A live lease is left alone."""
        requeued: list[int] = []
        failed: list[dict] = []
        marks = ", ".join("?" * len(dead_owners))
        dead = f" or owner in ({marks})" if dead_owners else ""
        with self.write() as db:
            stale = self._query(
                "select * from jobs where state = 'running' and (lease_until is null or lease_until <= ?"
                f"{dead}) order by id",
                [now, *dead_owners],
            )
            for row in stale:
                if row["attempts"] >= max_attempts:
                    error = f"gave up after {row['attempts']} attempts (the bot stopped while working on it)"
                    db.execute(
                        "update jobs set state = 'failed', error = ?, owner = null, lease_until = null, "
                        "updated_at = ? where id = ?",
                        [error, now, row["id"]],
                    )
                    failed.append({**row, "state": "failed", "error": error})
                else:
                    db.execute(
                        "update jobs set state = 'queued', owner = null, lease_until = null, not_before = null, "
                        "updated_at = ? where id = ?",
                        [now, row["id"]],
                    )
                    requeued.append(row["id"])
        return requeued, failed

    def requeue_job(self, job_id: int, *, error: str, now: str, not_before: str | None = None,
                    counts: bool = True) -> None:
        """Put a job that hit a passing error back in the queue, to be claimed again from `not_before` on.

        `counts=False` (Slack or the network down) gives back the attempt its claim took, so a long outage
        never exhausts `max_attempts`; `retries` and `retry_since` (kept from the first wait) feed the
        backoff and the retry window either way."""
        with self.write() as db:
            db.execute(
                "update jobs set state = 'queued', error = ?, owner = null, lease_until = null, not_before = ?, "
                "retries = retries + 1, retry_since = coalesce(retry_since, ?), "
                "attempts = attempts - ?, updated_at = ? where id = ?",
                [error, not_before, now, 0 if counts else 1, now, job_id],
            )

    def queue_stats(self) -> dict:
        """Jobs waiting for a worker: how many, and when the oldest was queued (None when none wait)."""
        row = self._one("select count(*) as depth, min(created_at) as oldest from jobs where state = 'queued'")
        return {"depth": int(row["depth"]), "oldest": row["oldest"]}

    def prune_jobs(self, before: str) -> int:
        """Delete done and failed jobs last touched before `before`. Queued and running ones always stay."""
        with self.write() as db:
            return db.execute(
                "delete from jobs where state in ('done', 'failed') and updated_at < ?", [before]
            ).rowcount

    def queued_job_count(self) -> int:
        row = self._one("select count(*) as n from jobs where state in ('queued', 'running')")
        return int(row["n"]) if row else 0

    def jobs_for_message(self, team: str | None, channel: str | None, message_ts: str | None) -> list[dict]:
        return self._query(
            "select * from jobs where team is ? and channel is ? and message_ts is ? order by id",
            [team, channel, message_ts],
        )
