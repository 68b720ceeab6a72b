"""The `articles`, `briefs`, `events` and `chunks` tables: what was read, and the brief written from it.

A mixin of `storage.store.Store`: methods use `self._query`, `self._one` and `self.write()` from it.
An article is stored once (by canonical URL or content hash) with its chunks; each conversation that
pastes it gets its own brief ("B42"), whose list columns hold JSON. Reads for a conversation go through
`visible_scope`, so a private channel's or DM's brief never leaves it and nothing crosses teams. Rows are
plain dicts; `bot.pipeline` turns them into its dataclasses.
"""

from __future__ import annotations

from typing import Any

from storage.rows import dumps, loads, norm_id
from storage.scope import published_window, visible_scope

_LIST_COLUMNS = ("key_points", "open_questions", "entities", "notes")


class BriefStore:
    # -- writes -------------------------------------------------------------------------------------

    def save_brief(
        self,
        *,
        article: dict,
        brief: dict,
        events: list[dict],
        storylines: list[str],
        new_storylines: list[str],
        chunks: list[str],
        usage: dict | None,
        now: str,
    ) -> str:
        """Store an article (if new), its brief, events, storyline links and usage in one transaction.

        `article` holds the articles columns (an existing `id` reuses that row); `brief` the briefs columns
        without ids; `storylines` existing storyline ids to join; `new_storylines` titles to open.
        Returns the new brief id ("B42").
        """
        with self.write() as db:
            article_id = article.get("id")
            if article_id is None and article.get("url"):
                # Another worker may have stored the same page since this one looked (two workspaces
                # posting one link at once): brief it against that row instead of failing on the URL.
                found = self._one("select id from articles where url = ?", [article["url"]])
                article_id = found["id"] if found else None
            if article_id is None:
                article_id = db["articles"].insert({**article, "fetched_at": now}).last_pk
                for n, text in enumerate(chunks):
                    db["chunks"].insert({"article_id": article_id, "n": n, "text": text})
            row = {**brief, "article_id": article_id, "created_at": now, "id": "pending"}
            for key in _LIST_COLUMNS:
                row[key] = dumps(row.get(key) or [])
            n = db["briefs"].insert(row).last_pk
            brief_id = f"B{n}"
            db.execute("update briefs set id = ? where n = ?", [brief_id, n])
            for event in events:
                db["events"].insert({**event, "brief_id": brief_id})
            self._link_storylines(brief_id, brief["team"], storylines, new_storylines, now)
            self._insert_brief_usage(db, usage, team=brief["team"], brief_id=brief_id, now=now)
        return brief_id

    def replace_brief_content(
        self, brief_id: str, *, brief: dict, events: list[dict], usage: dict | None, now: str
    ) -> None:
        """Rewrite a brief's text, events and backend (used by `rebrief`), keeping its id and links."""
        fields = dict(brief)
        for key in _LIST_COLUMNS:
            if key in fields:
                fields[key] = dumps(fields[key] or [])
        with self.write() as db:
            db["briefs"].update(self._brief_pk(brief_id), fields)
            db.execute("delete from events where brief_id = ?", [brief_id])
            for event in events:
                db["events"].insert({**event, "brief_id": brief_id})
            team = self._one("select team from briefs where id = ?", [brief_id])["team"]
            self._insert_brief_usage(db, usage, team=team, brief_id=brief_id, now=now)

    def _brief_pk(self, brief_id: str) -> int:
        row = self._one("select n from briefs where id = ?", [brief_id])
        if row is None:
            raise KeyError(brief_id)
        return row["n"]

    # -- reads of one article or brief ----------------------------------------------------------------

    def find_article(self, *, url: str) -> dict | None:
        """The article stored under exactly this URL (the URL fetched, or its same-site canonical)."""
        return self._one("select * from articles where url = ?", [url])

    def find_article_by_content(self, content_hash: str, *, fetched_only: bool) -> dict | None:
        """The oldest article with this text; with `fetched_only`, only articles fetched from a URL (so a
        fetched page never picks up a brief of text someone pasted)."""
        where = " and url is not null" if fetched_only else ""
        return self._one(
            f"select * from articles where content_hash = ?{where} order by id limit 1", [content_hash]
        )

    def find_brief_by_content(self, content_hash: str, team: str, channel: str) -> str | None:
        """A brief of pasted text with this content in this one conversation (never across conversations)."""
        row = self._one(
            """select b.id from briefs b join articles a on a.id = b.article_id
               where a.content_hash = ? and a.url is null and b.team = ? and b.channel = ?
               order by b.n limit 1""",
            [content_hash, team, channel],
        )
        return row["id"] if row else None

    def find_brief_for(self, article_id: int, team: str, channel: str) -> str | None:
        row = self._one(
            "select id from briefs where article_id = ? and team = ? and channel = ?", [article_id, team, channel]
        )
        return row["id"] if row else None

    def any_brief_of_article(self, article_id: int) -> dict | None:
        """The newest brief of an article, in any channel: its content is reused, never re-paid for."""
        row = self._one("select id from briefs where article_id = ? order by n desc limit 1", [article_id])
        return self.get_brief(row["id"]) if row else None

    def get_brief(self, brief_id: str) -> dict | None:
        """A brief joined with its article, events and storylines, lists decoded."""
        row = self._one(
            """
            select b.*, a.url, a.title, a.site, a.author, a.published, a.language, a.content_hash
            from briefs b join articles a on a.id = b.article_id
            where b.id = ?
            """,
            [norm_id(brief_id)],
        )
        if row is None:
            return None
        for key in _LIST_COLUMNS:
            row[key] = loads(row[key], [])
        row["events"] = self._query(
            "select title, date, precision, time, timezone, evidence from events where brief_id = ? order by date, id",
            [row["id"]],
        )
        row["storylines"] = self._query(
            """
            select s.id, s.title, s.status from brief_storylines bs join storylines s on s.id = bs.storyline_id
            where bs.brief_id = ? order by s.n
            """,
            [row["id"]],
        )
        return row

    def list_briefs(self, *, team: str | None = None, limit: int = 50) -> list[dict]:
        sql = (
            "select b.id, b.created_at, b.channel, b.tldr, b.backend, a.title, a.url, a.published "
            "from briefs b join articles a on a.id = b.article_id"
        )
        params: list[Any] = []
        if team is not None:
            sql += " where b.team = ?"
            params.append(team)
        sql += " order by b.n desc limit ?"
        params.append(limit)
        return self._query(sql, params)

    def article_text_of_brief(self, brief_id: str) -> dict | None:
        return self._one(
            "select a.* from briefs b join articles a on a.id = b.article_id where b.id = ?", [brief_id]
        )

    # -- reads across briefs: a conversation's events and open questions ----------------------------

    def visible_events(
        self, team: str, channel: str | None, *, start: str, end: str | None = None, limit: int = 200
    ) -> list[dict]:
        """Events dated from `start` (to `end`, inclusive, when given) of the briefs this conversation sees.

        A week- or month-precision event is dated by its Monday or first day, so a window that starts
        mid-week also includes the current week's and month's vague events.
        """
        scope, params = visible_scope(team, channel, "b")
        sql = f"""
            select e.id, e.title, e.date, e.precision, e.time, e.timezone, e.evidence, e.brief_id,
                   a.title as article_title, a.url, b.entities
            from events e join briefs b on b.id = e.brief_id join articles a on a.id = b.article_id
            where {scope} and (e.date >= ? or (e.precision = 'week' and e.date >= date(?, '-6 days'))
                               or (e.precision = 'month' and e.date >= date(?, 'start of month')))
        """
        args: list[Any] = [*params, start, start, start]
        if end is not None:
            sql += " and e.date <= ?"
            args.append(end)
        sql += " order by e.date, coalesce(e.time, ''), b.n desc limit ?"
        args.append(limit)
        return self._query(sql, args)

    def digest_events(self, *, team: str, channel: str, start: str, end: str) -> list[dict]:
        """Events stored between `start` and `end` (ISO dates, inclusive) that the conversation may see.

        Callers widen `start` so week- and month-precision events (stored on the week's Monday or the
        month's first) that overlap the window are included; the exact overlap test is theirs.
        Each row: event fields, `event_id`, `brief` (id), `brief_n`, `url` and `article_title`,
        oldest brief first so the first source of a merged event stays the same as briefs are added.
        """
        scope, params = visible_scope(team, channel, "b")
        return self._query(
            f"""
            select e.id as event_id, e.title, e.date, e.precision, e.time, e.timezone, e.evidence,
                   b.id as brief, b.n as brief_n, a.url, a.title as article_title
            from events e
            join briefs b on b.id = e.brief_id
            join articles a on a.id = b.article_id
            where e.date >= ? and e.date <= ? and {scope}
            order by b.n, e.id
            """,
            [start, end, *params],
        )

    def digest_open_questions(
        self,
        *,
        team: str,
        channel: str,
        limit: int = 5,
        scan: int = 50,
        published_from: str | None = None,
        published_to: str | None = None,
    ) -> list[dict]:
        """The newest open questions of visible briefs, as [{"text", "brief"}], newest first, no repeats;
        with `published_from`/`published_to` only from briefs published in that range."""
        scope, params = visible_scope(team, channel, "b")
        window, window_args = published_window(published_from, published_to)
        rows = self._query(
            f"""select b.id, b.open_questions from briefs b join articles a on a.id = b.article_id
            where {scope}{window} order by b.n desc limit ?""",
            [*params, *window_args, scan],
        )
        seen: set[str] = set()
        out: list[dict] = []
        for row in rows:
            for text in loads(row["open_questions"], []):
                key = " ".join(str(text).lower().split())
                if not key or key in seen:
                    continue
                seen.add(key)
                out.append({"text": text, "brief": row["id"]})
                if len(out) >= limit:
                    return out
        return out
