"""Numbered migrations, each applied once, in order, recorded in `_migrations`.

Add a new function `mNNN_name(db)` at the end and list it in MIGRATIONS; never edit one that has shipped.
The schema uses plain tables, indexes and sqlite-utils FTS5 tables with triggers, so the file opens
unchanged in the `sqlite-utils` CLI and in Datasette.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import sqlite_utils


def m001_initial(db: sqlite_utils.Database) -> None:
    db["articles"].create(
        {
            "id": int,
            "url": str,  # canonical URL; NULL for pasted text
            "content_hash": str,
            "title": str,
            "site": str,
            "author": str,
            "published": str,  # YYYY-MM-DD
            "language": str,
            "text": str,
            "fetched_at": str,
        },
        pk="id",
    )
    db["articles"].create_index(["url"], unique=True)
    db["articles"].create_index(["content_hash"])

    db["briefs"].create(
        {
            "n": int,  # rowid; the typeable id is "B" + n
            "id": str,
            "article_id": int,
            "team": str,
            "channel": str,
            "visibility": str,  # public | private | dm
            "message_ts": str,
            "thread_ts": str,
            "tldr": str,
            "key_points": str,  # JSON list
            "open_questions": str,  # JSON list
            "entities": str,  # JSON list
            "backend": str,
            "model": str,
            "prompt_tokens": int,
            "completion_tokens": int,
            "cached_tokens": int,
            "notes": str,  # JSON list of validation notes
            "created_at": str,
        },
        pk="n",
        foreign_keys=[("article_id", "articles", "id")],
        not_null={"id", "article_id", "team", "channel", "visibility", "tldr", "backend", "created_at"},
    )
    db["briefs"].create_index(["id"], unique=True)
    db["briefs"].create_index(["article_id", "team", "channel"], unique=True)
    db["briefs"].create_index(["team", "created_at"])

    db["storylines"].create(
        {
            "n": int,
            "id": str,
            "team": str,
            "title": str,
            "status": str,  # open | resolved | merged
            "merged_into": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="n",
        not_null={"id", "team", "title", "status", "created_at", "updated_at"},
    )
    db["storylines"].create_index(["id"], unique=True)
    db["storylines"].create_index(["team", "status"])

    db["brief_storylines"].create(
        {"brief_id": str, "storyline_id": str, "score": float, "created_at": str},
        pk=("brief_id", "storyline_id"),
        foreign_keys=[("brief_id", "briefs", "id"), ("storyline_id", "storylines", "id")],
    )
    db["brief_storylines"].create_index(["storyline_id"])

    db["events"].create(
        {
            "id": int,
            "brief_id": str,
            "title": str,
            "date": str,  # YYYY-MM-DD: the day, the week's Monday, or the month's first
            "precision": str,  # day | week | month
            "time": str,  # HH:MM
            "timezone": str,
            "evidence": str,
        },
        pk="id",
        foreign_keys=[("brief_id", "briefs", "id")],
    )
    db["events"].create_index(["date"])
    db["events"].create_index(["brief_id"])

    db["chunks"].create(
        {"id": int, "article_id": int, "n": int, "text": str},
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["chunks"].create_index(["article_id", "n"], unique=True)

    db["digests"].create(
        {
            "id": int,
            "team": str,
            "channel": str,
            "local_date": str,
            "kind": str,  # scheduled | manual
            "state": str,  # claimed | posted
            "claimed_at": str,
            "posted_ts": str,
            "posted_at": str,
        },
        pk="id",
    )
    db["digests"].create_index(["channel", "local_date", "kind"], unique=True)

    db["jobs"].create(
        {
            "id": int,
            "source": str,
            "team": str,
            "channel": str,
            "visibility": str,
            "message_ts": str,
            "thread_ts": str,
            "user": str,
            "kind": str,  # link | text | rebrief
            "state": str,  # queued | running | done | failed
            "attempts": int,
            "error": str,
            "brief_id": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"source", "state", "attempts"},
        defaults={"attempts": 0, "state": "queued"},
    )
    db["jobs"].create_index(["team", "channel", "message_ts", "source"], unique=True)
    db["jobs"].create_index(["state"])

    db["schedules"].create(
        {
            "channel": str,
            "team": str,
            "time": str,  # HH:MM local
            "timezone": str,
            "days": str,  # mon,tue,wed,thu,fri
            "enabled": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="channel",
    )

    db["usage"].create(
        {
            "id": int,
            "team": str,
            "brief_id": str,
            "kind": str,  # brief | answer | digest_intro
            "model": str,
            "prompt_tokens": int,
            "completion_tokens": int,
            "cached_tokens": int,
            "day": str,  # UTC date, for the daily budget
            "created_at": str,
        },
        pk="id",
    )
    db["usage"].create_index(["team", "day"])

    db["articles"].enable_fts(["title", "text"], create_triggers=True, tokenize="porter")
    db["briefs"].enable_fts(["tldr", "key_points", "open_questions"], create_triggers=True, tokenize="porter")
    db["events"].enable_fts(["title"], create_triggers=True, tokenize="porter")
    db["chunks"].enable_fts(["text"], create_triggers=True, tokenize="porter")


def m002_scoped_search(db: sqlite_utils.Database) -> None:
    """FTS5 indexes that carry each brief's visibility as tokens, so retrieval ranks only what a
    conversation may see.

    bm25() costs one evaluation per matching row, and with the plain briefs_fts/chunks_fts a common word
    matches most of a 100,000-brief store before the team/channel filter can drop anything (~75 ms a
    query). Here each row also holds scope tokens — `p<hex team>` for a public brief and
    `c<hex team>x<hex channel>` for its own conversation — and the MATCH ANDs the question with the
    conversation's two tokens, so FTS intersects doclists first and scores only visible rows. Queries
    still apply `visible_scope` on the joined briefs; the tokens only make it fast. One `chunk_search`
    row per (chunk, brief): an article briefed in two channels is findable from both.
    """
    db.execute(
        "create virtual table brief_search using fts5(body, scope, tokenize='porter')"
    )
    db.execute(
        "create virtual table chunk_search using fts5(body, scope, chunk_id unindexed, brief_n unindexed, "
        "tokenize='porter')"
    )
    scope = (
        "(case when {b}.visibility = 'public' then 'p' || hex({b}.team) || ' ' else '' end"
        " || 'c' || hex({b}.team) || 'x' || hex({b}.channel))"
    )
    body = "(coalesce({b}.tldr, '') || ' ' || coalesce({b}.key_points, '') || ' ' || coalesce({b}.open_questions, ''))"
    ins_brief = "insert into brief_search (rowid, body, scope) values ({b}.n, " + body + ", " + scope + ");"
    ins_chunks = (
        "insert into chunk_search (body, scope, chunk_id, brief_n) select c.text, " + scope
        + ", c.id, {b}.n from chunks c where c.article_id = {b}.article_id;"
    )
    db.execute(
        "create trigger briefs_search_ai after insert on briefs begin "
        + ins_brief.format(b="new") + ins_chunks.format(b="new") + " end"
    )
    db.execute(
        "create trigger briefs_search_au after update of tldr, key_points, open_questions, visibility, team, "
        "channel on briefs begin delete from brief_search where rowid = old.n; "
        + ins_brief.format(b="new") + " end"
    )
    db.execute(
        "create trigger briefs_search_ad after delete on briefs begin delete from brief_search where rowid = old.n; "
        "delete from chunk_search where brief_n = old.n; end"
    )
    db.execute("insert into brief_search (rowid, body, scope) select b.n, " + body.format(b="b") + ", "
               + scope.format(b="b") + " from briefs b")
    db.execute("insert into chunk_search (body, scope, chunk_id, brief_n) select c.text, " + scope.format(b="b")
               + ", c.id, b.n from briefs b join chunks c on c.article_id = b.article_id")


def m003_slack_replies(db: sqlite_utils.Database) -> None:
    """Slack: one row per reply posted (exactly one per channel, message ts and url) and a cache of
    conversation kinds (public | private | dm) so visibility needs no `conversations.info` call each time."""
    db["replies"].create(
        {
            "id": int,
            "team": str,
            "channel": str,
            "message_ts": str,
            "key": str,  # the URL, or "ask", "text", … for replies that are not briefs of a link
            "reply_ts": str,
            "brief_id": str,
            "created_at": str,
        },
        pk="id",
        not_null={"channel", "message_ts", "key"},
    )
    db["replies"].create_index(["channel", "message_ts", "key"], unique=True)
    db["conversations"].create(
        {"channel": str, "team": str, "kind": str, "updated_at": str}, pk="channel", not_null={"kind"}
    )


def m004_manual_digests_repeat(db: sqlite_utils.Database) -> None:
    """Manual digests may be posted many times a day; only scheduled ones are one per (channel, local date).

    The m001 unique index covered every kind, so a second `/brief digest` on one day could not be recorded.
    A partial unique index keeps the exactly-once guarantee for `kind = 'scheduled'` only.
    """
    db.execute("drop index if exists idx_digests_channel_local_date_kind")
    db.execute(
        "create unique index idx_digests_scheduled_once on digests (channel, local_date, kind) "
        "where kind = 'scheduled'"
    )
    db.execute("create index idx_digests_channel_local_date on digests (channel, local_date)")


def m005_typed_slack_jobs(db: sqlite_utils.Database) -> None:
    """Slack jobs queued under the earlier kinds, with payloads packed behind a prefix in `source`
    ("ask:…", "cmd:…", "skipped:…", "rebrief:…"), rewritten to the kinds and JSON payloads of
    `bot.slack.job`, so a queue that was waiting when the bot was upgraded still runs.

    `url` meant both `/brief <url>` and the "Brief this" shortcut; slash commands key their jobs with a
    `slash:` message ts, which tells the two apart.
    """
    payloads = {"ask": ("question", "ask:"), "cmd": ("command", "cmd:"), "rebrief": ("rebrief", "rebrief:")}
    renamed = {"link": "posted_link", "text": "shortcut_text", "digest": "digest_now", "ask": "question",
               "cmd": "command", "skipped": "skipped_links", "rebrief": "rebrief"}
    rows = db.execute("select id, kind, source, message_ts from jobs").fetchall()
    for job_id, kind, source, message_ts in rows:
        if kind == "url":
            new_kind = "command_link" if (message_ts or "").startswith("slash:") else "shortcut_link"
        elif kind in renamed:
            new_kind = renamed[kind]
        else:
            continue  # already new, or unknown: left for the worker to log and drop
        new_source = source
        if kind in payloads:
            field, prefix = payloads[kind]
            new_source = json.dumps({field: source.removeprefix(prefix)}, ensure_ascii=False)
        elif kind == "skipped":
            new_source = json.dumps({"skipped": source.removeprefix("skipped:").split()}, ensure_ascii=False)
        db.execute("update jobs set kind = ?, source = ? where id = ?", [new_kind, new_source, job_id])


def m006_job_leases(db: sqlite_utils.Database) -> None:
    """The queue's leases, backoff and fairness.

    `owner` names the worker pool running a job and `lease_until` when that claim runs out unless the
    pool's heartbeat renews it: only an expired lease (or a dead owner) is taken over, so a second
    `briefbot run` on the same file leaves the first one's work alone. `not_before` holds a retry back
    until its backoff has passed; `retries` counts those waits (the exponent) and `retry_since` is when
    the first began (the retry window is measured from it). `queue_turns` remembers when each team was
    last served, so claiming goes round the teams instead of draining one team's burst first.
    Rows left `running` from before this migration have no lease, which counts as expired.
    """
    db["jobs"].add_column("owner", str)
    db["jobs"].add_column("lease_until", str)
    db["jobs"].add_column("not_before", str)
    db["jobs"].add_column("retries", int, not_null_default=0)
    db["jobs"].add_column("retry_since", str)
    # Claiming probes queued rows per team (this index also serves every lookup by state alone, so the
    # m001 one on `state` goes: one index less to update on each insert and claim); a waiting retry holds
    # later jobs of its conversation back.
    db.execute("create index idx_jobs_queued_team on jobs (state, team, id)")
    db.execute("drop index if exists idx_jobs_state")
    db.execute("create index idx_jobs_waiting on jobs (team, channel, id) "
               "where state = 'queued' and not_before is not null")
    # Pruning (daily) scans the jobs it keeps for 30 days anyway; replies are found by age, and kept while a
    # live job of their message (found among the few queued/running ones) or a brief's link needs them.
    db.execute("create index idx_replies_created on replies (created_at)")
    db.execute("create index idx_replies_brief on replies (brief_id)")
    db["queue_turns"].create({"team": str, "turn": int}, pk="team", not_null={"turn"})


def m007_chunk_vectors(db: sqlite_utils.Database) -> None:
    """Embeddings of article chunks for dense retrieval, next to the chunks they embed.

    A plain BLOB of little-endian float32 (numpy reads it without a copy): the sqlite-vec extension
    cannot load here, as Python's sqlite3 module is built without `enable_load_extension`. One row per
    chunk and model, so changing the model re-embeds lazily and a repeated article never re-embeds.
    """
    db.execute(
        "create table if not exists chunk_vectors (chunk_id integer not null references chunks(id) on delete cascade, "
        "model text not null, dim integer not null, vector blob not null, primary key (chunk_id, model))"
    )


def m008_chunk_term_counts(db: sqlite_utils.Database) -> None:
    """`chunk_terms`: for each term of `chunk_search` (as its porter tokenizer stems it), how many of its
    rows hold it — the counts retrieval uses to drop words too common to rank anything.

    fts5vocab gives the same numbers, but it counts a term by walking the term's whole doclist: about 6 ms
    a question on a store of 100,000 briefs. Here the counts are kept as rows change, by triggers, so a
    question reads a few primary-key rows.

    `chunk_search` rows are only ever added by a brief's insert (one per chunk of its article) and removed
    by its delete (m002's triggers); re-briefing rewrites the brief's own text, not its chunks. So two
    triggers keep the counts exact. Each puts the rows' text in `chunk_terms_probe` — an empty FTS5 table
    with chunk_search's tokenizer and columns, so a term is stemmed and counted exactly as chunk_search
    counts it — adds (or subtracts) the probe's per-term row counts, and empties it. The delete trigger
    reads the brief's chunk_search rows as they were indexed, and now also removes them.
    Terms whose count falls to 0 are removed. The migration fills the table from fts5vocab once.
    """
    db.execute("create table chunk_terms (term text primary key, chunks integer not null) without rowid")
    db.execute("create virtual table chunk_terms_probe using fts5(body, scope, content='', tokenize='porter')")
    db.execute("create virtual table chunk_terms_probe_v using fts5vocab(chunk_terms_probe, 'row')")
    scope = (
        "(case when new.visibility = 'public' then 'p' || hex(new.team) || ' ' else '' end"
        " || 'c' || hex(new.team) || 'x' || hex(new.channel))"
    )
    count = ("insert into chunk_terms (term, chunks) select term, {sign}doc from chunk_terms_probe_v where true "
             "on conflict (term) do update set chunks = chunks + excluded.chunks;")
    empty = ("delete from chunk_terms where chunks = 0 and term in (select term from chunk_terms_probe_v); "
             "insert into chunk_terms_probe (chunk_terms_probe) values ('delete-all');")
    db.execute(
        "create trigger chunk_terms_ai after insert on briefs begin "
        f"insert into chunk_terms_probe (body, scope) select c.text, {scope} from chunks c "
        "where c.article_id = new.article_id; " + count.format(sign="") + empty + " end"
    )
    # Finding a brief's chunk_search rows scans the table (brief_n is not indexed), so the rows are found
    # once: this trigger reads them into the probe under their own rowids, counts them and deletes them
    # by rowid; m002's delete trigger keeps only its brief_search part.
    db.execute("drop trigger briefs_search_ad")
    db.execute("create trigger briefs_search_ad after delete on briefs begin "
               "delete from brief_search where rowid = old.n; end")
    db.execute(
        "create trigger chunk_terms_bd before delete on briefs begin "
        "insert into chunk_terms_probe (rowid, body, scope) select rowid, body, scope from chunk_search "
        "where brief_n = old.n; "
        + count.format(sign="-")
        + "delete from chunk_search where rowid in (select rowid from chunk_terms_probe); " + empty + " end"
    )
    db.execute("create virtual table temp.chunk_search_rows using fts5vocab(main, chunk_search, 'row')")
    db.execute("insert into chunk_terms (term, chunks) select term, doc from temp.chunk_search_rows")
    db.execute("drop table temp.chunk_search_rows")


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    m001_initial,
    m002_scoped_search,
    m003_slack_replies,
    m004_manual_digests_repeat,
    m005_typed_slack_jobs,
    m006_job_leases,
    m007_chunk_vectors,
    m008_chunk_term_counts,
]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations in order; each inside one transaction. Returns the names applied.

    Not sqlite-utils' `Migrations`: it reads what is pending before any transaction and applies each step in
    a deferred `atomic()`, so two processes starting at once can both see a step pending and the second
    fails on it; here one `BEGIN IMMEDIATE` holds the write lock from the check to the last step.
    """
    applied: list[str] = []
    # BEGIN IMMEDIATE takes the write lock first, so two processes starting at once cannot both apply one.
    db.execute("BEGIN IMMEDIATE")
    try:
        if "_migrations" not in db.table_names():
            db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
        done = {row["name"] for row in db["_migrations"].rows}
        for migration in MIGRATIONS:
            name = migration.__name__
            if name in done:
                continue
            migration(db)
            db["_migrations"].insert({"name": name, "applied_at": dt.datetime.now(dt.UTC).isoformat()})
            applied.append(name)
        db.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise
    return applied
