"""The `replies` and `conversations` tables: what the bot posted in Slack, and what kind each conversation is.

A mixin of `storage.store.Store`: methods use `self._query`, `self._one` and `self.write()` from it.
The `replies` table (m003) is what makes "exactly one reply per (channel, message ts, url)" hold even when
a job runs twice (a crash between posting and finishing the job, a requeue at start-up).
"""

from __future__ import annotations

from storage.rows import norm_id


class ReplyStore:
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

    def brief_reply(self, brief_id: str) -> dict | None:
        """Where a brief was posted (its first reply), for permalinks in cited answers."""
        return self._one(
            "select channel, reply_ts, message_ts from replies where brief_id = ? and reply_ts is not null "
            "order by id limit 1",
            [norm_id(brief_id)],
        )

    def prune_replies(self, before: str) -> int:
        """Delete replies posted before `before` that nothing can need again.

        Kept however old: a pending claim (no ts yet: a run may still be mid-post), any reply of a message
        that still has a queued or running job (a rerun checks its reply here before posting), and each
        brief's first reply (`brief_reply` links it from cited answers). Slack redelivers an event within
        minutes, so a retention of days loses no exactly-once check."""
        with self.write() as db:
            return db.execute(
                "delete from replies where created_at < ? and reply_ts is not null "
                "and not exists (select 1 from jobs j where j.channel = replies.channel "
                "and j.message_ts = replies.message_ts and j.state in ('queued', 'running')) "
                "and (brief_id is null or id > (select min(r.id) from replies r where r.brief_id = replies.brief_id "
                "and r.reply_ts is not null))",
                [before],
            ).rowcount

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
