"""Storyline reads and writes: list, timeline, resolve, reopen, rename, merge, move.

A mixin of `storage.store.Store`: methods use `self._query`, `self._one` and `self.write()` from it.
Ids are accepted in any case ("s7" is "S7"). Methods that change something raise KeyError for an unknown
id and ValueError for a request that makes no sense (merging a storyline into itself or across teams),
so the CLI can turn either into one line.
"""

from __future__ import annotations

from typing import Any


def _norm(identifier: str) -> str:
    return identifier.strip().upper()


class StorylineQueries:
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
        return self._one("select * from storylines where id = ?", [_norm(storyline_id)])

    def storyline_briefs(self, storyline_id: str) -> list[dict]:
        """The storyline's briefs in date order (publication date, else when briefed)."""
        return self._query(
            """
            select b.id, b.tldr, b.channel, b.visibility, b.created_at, a.title, a.url, a.published,
                   coalesce(a.published, substr(b.created_at, 1, 10)) as date
            from brief_storylines bs join briefs b on b.id = bs.brief_id join articles a on a.id = b.article_id
            where bs.storyline_id = ? order by date, b.n
            """,
            [_norm(storyline_id)],
        )

    def storyline_events(self, storyline_id: str, *, since: str | None = None) -> list[dict]:
        """Events announced by the storyline's briefs, on or after `since` (YYYY-MM-DD) when given."""
        sql = """
            select e.title, e.date, e.precision, e.time, e.timezone, e.evidence, e.brief_id
            from events e join brief_storylines bs on bs.brief_id = e.brief_id
            where bs.storyline_id = ?
        """
        params: list[Any] = [_norm(storyline_id)]
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
        brief = self._one("select id, team from briefs where id = ?", [_norm(brief_id)])
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
