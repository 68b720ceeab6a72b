"""A Slack job as a type: what kind of work, where it came from, and its payload as fields.

The `jobs` table stores one row per job (written before the ack, see `intake.py`). `to_row`/`from_row`
are the only code that knows how a job is laid out in that row:

- `source` is the job's subject and part of the table's unique key (team, channel, message ts, source),
  so the same message seen twice becomes one job. For links it is the URL, for "Brief this" on a message
  without links the message text, for `/brief digest` the word `digest`. The other kinds keep their
  payload there as a small JSON object, `{"question": …}`, `{"command": …}`, `{"skipped": […]}`,
  `{"rebrief": …}`: readable, and never equal to a link or a message's text on the same message.
- `kind` is a `JobKind` value. m005 rewrote rows queued under the earlier names (`link`, `ask`, …).

Reply keys (`reply_key`, `error_key`) name a reply in the `replies` table and in the reply's message
metadata; they are what makes a job that runs twice reply once, so their spelling never changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum


class JobKind(StrEnum):
    POSTED_LINK = "posted_link"  # a link someone posted: :eyes:, a reply in its thread, then ✅ or ⚠️
    COMMAND_LINK = "command_link"  # `/brief <url>`: the reply goes to the channel (no message to thread)
    SHORTCUT_LINK = "shortcut_link"  # a link in a message someone ran "Brief this" on
    SHORTCUT_TEXT = "shortcut_text"  # "Brief this" on a message without links: its own text
    SKIPPED_LINKS = "skipped_links"  # names the links over the per-message limit
    QUESTION = "question"  # an @mention or DM question, answered from stored briefs
    COMMAND = "command"  # `@bot help | digest | storylines | week`
    DIGEST_NOW = "digest_now"  # `/brief digest`: today's digest, posted now
    REBRIEF = "rebrief"  # the brief's "Retry with AI" button


LINK_KINDS = frozenset({JobKind.POSTED_LINK, JobKind.COMMAND_LINK, JobKind.SHORTCUT_LINK})
DIGEST_SOURCE = "digest"
_PAYLOAD_FIELD = {JobKind.QUESTION: "question", JobKind.COMMAND: "command", JobKind.SKIPPED_LINKS: "skipped",
                  JobKind.REBRIEF: "rebrief"}


@dataclass(frozen=True)
class Origin:
    """Where a job came from and where its reply goes. `message_ts` is `slash:<trigger id>` for a slash
    command (it has no message); `visibility` is None when the payload does not say (looked up later)."""

    team: str
    channel: str
    message_ts: str
    thread_ts: str | None
    user: str | None
    visibility: str | None = None


@dataclass(frozen=True)
class SlackJob:
    kind: JobKind
    origin: Origin
    url: str | None = None  # the link kinds
    text: str | None = None  # SHORTCUT_TEXT
    question: str | None = None  # QUESTION
    command: str | None = None  # COMMAND: help | digest | storylines | week
    skipped: tuple[str, ...] = ()  # SKIPPED_LINKS
    brief_id: str | None = None  # REBRIEF
    id: int | None = None  # the row id, once stored

    @property
    def team(self) -> str:
        return self.origin.team

    @property
    def channel(self) -> str:
        return self.origin.channel

    @property
    def user(self) -> str | None:
        return self.origin.user

    @property
    def source(self) -> str:
        """The row's `source` column (see the module docstring)."""
        if self.kind in LINK_KINDS:
            return self.url or ""
        if self.kind is JobKind.SHORTCUT_TEXT:
            return self.text or ""
        if self.kind is JobKind.DIGEST_NOW:
            return DIGEST_SOURCE
        value = {JobKind.QUESTION: self.question, JobKind.COMMAND: self.command,
                 JobKind.SKIPPED_LINKS: list(self.skipped), JobKind.REBRIEF: self.brief_id}[self.kind]
        return json.dumps({_PAYLOAD_FIELD[self.kind]: value}, ensure_ascii=False)

    def to_row(self) -> dict:
        """The `jobs` columns a new row is written with."""
        o = self.origin
        return {"team": o.team, "channel": o.channel, "visibility": o.visibility, "message_ts": o.message_ts,
                "thread_ts": o.thread_ts, "user": o.user, "kind": self.kind.value, "source": self.source}

    @classmethod
    def from_row(cls, row: dict) -> SlackJob:
        """A stored row back as a job. Raises ValueError for a kind this version does not know."""
        kind = JobKind(row.get("kind"))
        origin = Origin(team=row.get("team") or "", channel=row.get("channel") or "",
                        message_ts=row.get("message_ts") or "", thread_ts=row.get("thread_ts"),
                        user=row.get("user"), visibility=row.get("visibility"))
        source = row.get("source") or ""
        fields: dict = {}
        if kind in LINK_KINDS:
            fields["url"] = source
        elif kind is JobKind.SHORTCUT_TEXT:
            fields["text"] = source
        elif kind in _PAYLOAD_FIELD:
            value = json.loads(source)[_PAYLOAD_FIELD[kind]]
            name = {JobKind.SKIPPED_LINKS: "skipped", JobKind.REBRIEF: "brief_id"}.get(kind, _PAYLOAD_FIELD[kind])
            fields[name] = tuple(value) if kind is JobKind.SKIPPED_LINKS else value
        return cls(kind=kind, origin=origin, id=row.get("id"), **fields)

    # -- reply keys: stored in `replies` and in message metadata, so their spelling is fixed ----------

    @property
    def reply_key(self) -> str:
        """The key of this job's reply: the URL for a brief of a link, else a fixed word."""
        if self.kind in LINK_KINDS:
            return self.url or ""
        return {JobKind.SHORTCUT_TEXT: "text", JobKind.SKIPPED_LINKS: "skipped", JobKind.QUESTION: "ask",
                JobKind.COMMAND: f"cmd:{self.command}", JobKind.DIGEST_NOW: DIGEST_SOURCE,
                JobKind.REBRIEF: f"rebrief:{self.brief_id}"}[self.kind]

    @property
    def error_key(self) -> str:
        """The key of the reply telling the user this job failed."""
        subject = {JobKind.SKIPPED_LINKS: "skipped:" + " ".join(self.skipped),
                   JobKind.QUESTION: f"ask:{self.question}"}.get(self.kind, self.reply_key)
        return f"error:{subject}"
