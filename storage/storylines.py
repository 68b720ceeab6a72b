"""The `storylines` and `brief_storylines` tables: the threads that tie briefs together.

A mixin of `storage.store.Store`: methods use `self._query`, `self._one` and `self.write()` from it.
Ids are accepted in any case ("s7" is "S7"). Methods that change something raise KeyError for an unknown
id and ValueError for a request that makes no sense (merging a storyline into itself or across teams),
so the CLI can turn either into one line. Reads for a conversation (what a new brief may join, the App
Home, the digest) go through `visible_scope`: a storyline shows only where one of its briefs may be seen.
"""

from __future__ import annotations

from typing import Any

from storage.rows import loads, norm_id
from storage.scope import published_window, visible_scope


class StorylineStore:
    # -- opening and joining (while a brief is saved) -----------------------------------------------

    def _link_storylines(self, brief_id: str, team: str, existing: list[str], titles: list[str],
                         now: str) -> None:
        """Join a new brief to the team's storylines `existing` (unknown ids are skipped) and to new ones
        opened with `titles`, inside `save_brief`'s transaction."""
        with self.write() as db:
            linked = []
            for sid in existing:
                if self._storyline_row(sid, team) is not None and sid not in linked:
                    linked.append(sid)
            for title in titles:
                linked.append(self._create_storyline(title, team, now))
            for sid in linked:
                db["brief_storylines"].insert(
                    {"brief_id": brief_id, "storyline_id": sid, "created_at": now}, ignore=True
                )
                db.execute("update storylines set updated_at = ? where id = ?", [now, sid])

    def _create_storyline(self, title: str, team: str, now: str) -> str:
        with self.write() as db:
            n = db["storylines"].insert(
                {
                    "id": "pending",
                    "team": team,
                    "title": title,
                    "status": "open",
                    "created_at": now,
                    "updated_at": now,
                }
            ).last_pk
            sid = f"S{n}"
            db.execute("update storylines set id = ? where n = ?", [sid, n])
        return sid

    def _storyline_row(self, storyline_id: str, team: str | None = None) -> dict | None:
        sql = "select * from storylines where id = ?"
        params: list[Any] = [norm_id(storyline_id)]
        if team is not None:
            sql += " and team = ?"
            params.append(team)
        return self._one(sql, params)

    def open_storylines(self, team: str, channel: str | None = None, *, recent: int = 5,
                        limit: int = 200) -> list[dict]:
        """Open storylines the conversation (team, channel) may see, newest activity first, with the text
        of their recent visible briefs.

        A storyline is offered only when one of its briefs is visible there (`visible_scope`): its title
        was written from that brief, so a storyline begun in a private channel or a DM is never offered
        to (and never shown through) a brief elsewhere. `channel=None` sees public briefs only.
        Two queries whatever the number of storylines: this runs for every new brief.
        """
        scope, params = visible_scope(team, channel, "b")
        rows = self._query(
            f"""
            select s.id, s.title, s.updated_at from storylines s
            where s.team = ? and s.status = 'open' and exists (
                select 1 from brief_storylines bs join briefs b on b.id = bs.brief_id
                where bs.storyline_id = s.id and {scope})
            order by s.updated_at desc limit ?
            """,
            [team, *params, limit],
        )
        by_id = {row["id"]: row for row in rows}
        for row in rows:
            row["briefs"] = []
        if not rows:
            return rows
        recent_rows = self._query(
            f"""
            select storyline_id, tldr, key_points, entities, title from (
                select bs.storyline_id, b.tldr, b.key_points, b.entities, a.title,
                       row_number() over (partition by bs.storyline_id order by b.n desc) as rank
                from brief_storylines bs
                join briefs b on b.id = bs.brief_id join articles a on a.id = b.article_id
                where bs.storyline_id in ({",".join("?" * len(by_id))}) and {scope}
            ) where rank <= ? order by storyline_id, rank
            """,
            [*by_id, *params, recent],
        )
        for b in recent_rows:
            by_id[b["storyline_id"]]["briefs"].append(
                {
                    "title": b["title"],
                    "tldr": b["tldr"],
                    "key_points": loads(b["key_points"], []),
                    "entities": loads(b["entities"], []),
                }
            )
        return rows

    # -- reads for Slack surfaces and the digest ----------------------------------------------------

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

    def digest_storylines(
        self,
        *,
        team: str,
        channel: str,
        since: str | None,
        limit: int = 20,
        published_from: str | None = None,
        published_to: str | None = None,
    ) -> list[dict]:
        """Storylines with visible briefs created after `since` (ISO timestamp; None: any time).

        With `published_from`/`published_to` (ISO dates, inclusive) only briefs whose article was published
        in that range count (`published_window`). Each row: `id`, `title`, `tldr` (the newest visible new
        brief's TL;DR) and `briefs` (the new visible brief ids, newest first). Storylines merged into
        another are left out. Newest activity first.
        """
        scope, params = visible_scope(team, channel, "b")
        where = f"s.team = ? and s.status != 'merged' and {scope}"
        args: list = [team, *params]
        if since:
            where += " and b.created_at > ?"
            args.append(since)
        window, window_args = published_window(published_from, published_to)
        where += window
        args += window_args
        rows = self._query(
            f"""
            select s.id, s.n as storyline_n, s.title, b.id as brief, b.n as brief_n, b.tldr
            from storylines s
            join brief_storylines bs on bs.storyline_id = s.id
            join briefs b on b.id = bs.brief_id
            join articles a on a.id = b.article_id
            where {where}
            order by b.n desc
            """,
            args,
        )
        out: dict[str, dict] = {}
        for row in rows:  # newest brief first, so the first row of a storyline carries its newest TL;DR
            entry = out.get(row["id"])
            if entry is None:
                if len(out) >= limit:
                    continue
                entry = out[row["id"]] = {
                    "id": row["id"],
                    "title": row["title"],
                    "tldr": row["tldr"],
                    "briefs": [],
                }
            if row["brief"] not in entry["briefs"]:
                entry["briefs"].append(row["brief"])
        return list(out.values())

    # -- the operator's view and edits (`briefbot storylines`, "Wrong storyline") -------------------

    def list_storylines(self, *, team: str | None = None, include_merged: bool = False) -> list[dict]:
        """Storylines with their brief count and latest activity, open ones first, newest first."""
        sql = """
            select s.id, s.team, s.title, s.status, s.merged_into, s.created_at, s.updated_at,
                   count(bs.brief_id) as briefs
            from storylines s left join brief_storylines bs on bs.storyline_id = s.id
        """
        where: list[str] = []
        params: list[Any] = []
        if team is not None:
            where.append("s.team = ?")
            params.append(team)
        if not include_merged:
            where.append("s.status != 'merged'")
        if where:
            sql += " where " + " and ".join(where)
        sql += " group by s.n order by s.status = 'open' desc, s.updated_at desc, s.n desc"
        return self._query(sql, params)

    def get_storyline(self, storyline_id: str) -> dict | None:
        return self._storyline_row(storyline_id)

    def storyline_briefs(self, storyline_id: str) -> list[dict]:
        """The storyline's briefs in date order (publication date, else when briefed)."""
        return self._query(
            """
            select b.id, b.tldr, b.channel, b.visibility, b.created_at, a.title, a.url, a.published,
                   coalesce(a.published, substr(b.created_at, 1, 10)) as date
            from brief_storylines bs join briefs b on b.id = bs.brief_id join articles a on a.id = b.article_id
            where bs.storyline_id = ? order by date, b.n
            """,
            [norm_id(storyline_id)],
        )

    def storyline_events(self, storyline_id: str, *, since: str | None = None) -> list[dict]:
        """Events announced by the storyline's briefs, on or after `since` (YYYY-MM-DD) when given."""
        sql = """
            select e.title, e.date, e.precision, e.time, e.timezone, e.evidence, e.brief_id
            from events e join brief_storylines bs on bs.brief_id = e.brief_id
            where bs.storyline_id = ?
        """
        params: list[Any] = [norm_id(storyline_id)]
        if since:
            sql += " and e.date >= ?"
            params.append(since)
        return self._query(sql + " order by e.date, e.time, e.id", params)

    def _require_storyline(self, storyline_id: str) -> dict:
        row = self.get_storyline(storyline_id)
        if row is None:
            raise KeyError(storyline_id)
        return row

    def set_storyline_status(self, storyline_id: str, status: str, now: str) -> dict:
        """Resolve or reopen. A merged storyline stays merged: it lives on in its target."""
        if status not in ("open", "resolved"):
            raise ValueError(f"unknown status {status!r}")
        row = self._require_storyline(storyline_id)
        if row["status"] == "merged":
            raise ValueError(f"{row['id']} was merged into {row['merged_into']}; change that one instead")
        with self.write() as db:
            db.execute("update storylines set status = ?, updated_at = ? where id = ?", [status, now, row["id"]])
        return self.get_storyline(row["id"])

    def rename_storyline(self, storyline_id: str, title: str, now: str) -> dict:
        title = " ".join(title.split())
        if not title:
            raise ValueError("the new title is empty")
        row = self._require_storyline(storyline_id)
        with self.write() as db:
            db.execute("update storylines set title = ?, updated_at = ? where id = ?", [title, now, row["id"]])
        return self.get_storyline(row["id"])

    def merge_storylines(self, source_id: str, target_id: str, now: str) -> dict:
        """Move every brief of `source` into `target`; `source` becomes `merged` with `merged_into`."""
        source = self._require_storyline(source_id)
        target = self._require_storyline(target_id)
        if source["id"] == target["id"]:
            raise ValueError("cannot merge a storyline into itself")
        if source["team"] != target["team"]:
            raise ValueError("cannot merge storylines of different teams")
        if target["status"] == "merged":
            raise ValueError(f"{target['id']} was merged into {target['merged_into']}; merge into that one")
        with self.write() as db:
            db.execute(
                "insert or ignore into brief_storylines (brief_id, storyline_id, score, created_at) "
                "select brief_id, ?, score, ? from brief_storylines where storyline_id = ?",
                [target["id"], now, source["id"]],
            )
            db.execute("delete from brief_storylines where storyline_id = ?", [source["id"]])
            db.execute(
                "update storylines set status = 'merged', merged_into = ?, updated_at = ? where id = ?",
                [target["id"], now, source["id"]],
            )
            db.execute("update storylines set updated_at = ? where id = ?", [now, target["id"]])
        return self.get_storyline(target["id"])

    def move_brief(self, brief_id: str, storyline_id: str, now: str) -> dict:
        """Replace a brief's storyline links with one link to `storyline_id`."""
        brief = self._one("select id, team from briefs where id = ?", [norm_id(brief_id)])
        if brief is None:
            raise KeyError(brief_id)
        target = self._require_storyline(storyline_id)
        if target["team"] != brief["team"]:
            raise ValueError(f"{target['id']} belongs to another team than {brief['id']}")
        if target["status"] == "merged":
            raise ValueError(f"{target['id']} was merged into {target['merged_into']}; move to that one")
        with self.write() as db:
            db.execute("delete from brief_storylines where brief_id = ?", [brief["id"]])
            db.execute(
                "insert into brief_storylines (brief_id, storyline_id, score, created_at) values (?, ?, null, ?)",
                [brief["id"], target["id"], now],
            )
            db.execute("update storylines set updated_at = ? where id = ?", [now, target["id"]])
        return self.get_storyline(target["id"])

    def unlink_brief_storyline(self, brief_id: str, storyline_id: str, now: str) -> bool:
        """Take a brief out of a storyline ("Wrong storyline"). False when it was not in it."""
        with self.write() as db:
            cursor = db.execute(
                "delete from brief_storylines where brief_id = ? and storyline_id = ?", [brief_id, storyline_id]
            )
            if cursor.rowcount:
                db.execute("update storylines set updated_at = ? where id = ?", [now, storyline_id])
            return cursor.rowcount > 0
