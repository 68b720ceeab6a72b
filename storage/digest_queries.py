"""Reads for digest composition: events in a window, storylines moved, open questions.

A mixin of `storage.store.Store`: methods use `self._query`, `self._one` and `self.write()` from it.
Every read goes through `visible_scope`, so a private channel's briefs never reach another channel's
digest. Rows are plain dicts; `bot.pipeline.digest` turns them into the Digest.
"""

from __future__ import annotations

import json

from storage.scope import visible_scope


class DigestQueries:
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
        in that range count (see `_published_window`). Each row: `id`, `title`, `tldr` (the newest visible
        new brief's TL;DR) and `briefs` (the new visible brief ids, newest first). Storylines merged into
        another are left out. Newest activity first.
        """
        scope, params = visible_scope(team, channel, "b")
        where = f"s.team = ? and s.status != 'merged' and {scope}"
        args: list = [team, *params]
        if since:
            where += " and b.created_at > ?"
            args.append(since)
        window, window_args = _published_window(published_from, published_to)
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
        window, window_args = _published_window(published_from, published_to)
        rows = self._query(
            f"""select b.id, b.open_questions from briefs b join articles a on a.id = b.article_id
            where {scope}{window} order by b.n desc limit ?""",
            [*params, *window_args, scan],
        )
        seen: set[str] = set()
        out: list[dict] = []
        for row in rows:
            for text in json.loads(row["open_questions"] or "[]"):
                key = " ".join(str(text).lower().split())
                if not key or key in seen:
                    continue
                seen.add(key)
                out.append({"text": text, "brief": row["id"]})
                if len(out) >= limit:
                    return out
        return out


def _published_window(start: str | None, end: str | None) -> tuple[str, list]:
    """SQL (to append to a where clause) keeping briefs whose article was published in [start, end].

    A brief's date is its article's publication date, or the day it was stored when the article has none:
    a 2019 article briefed today is a 2019 brief, and a pasted text without a date is today's news.
    """
    clauses, args = [], []
    day = "coalesce(a.published, substr(b.created_at, 1, 10))"
    if start:
        clauses.append(f" and {day} >= ?")
        args.append(start)
    if end:
        clauses.append(f" and {day} <= ?")
        args.append(end)
    return "".join(clauses), args
