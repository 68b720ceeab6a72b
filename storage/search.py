"""FTS5 retrieval over the `brief_search` and `chunk_search` tables, scoped by visibility.

A mixin of `storage.store.Store`: methods use `self._query`, `self._one` and `self.write()` from it.
Both search tables are filled by triggers on `briefs` and `chunks` (m002), and the word counts of
`chunk_search` (`chunk_terms`) by triggers on `briefs` (m008), so nothing here writes them.
`match` is an FTS5 MATCH expression the caller built from its own tokenisation (never raw user text).
Ranking is BM25 (FTS5's `bm25()`, lower is better) with the newer brief winning a tie. Both searches rank
ids and scores first and read text and article columns for the rows kept only: sorting every match with
its text cost more (at 100k briefs, ~0.3 ms of the ~5 ms of a chunk search). Every query goes
through `visible_scope`, so a private or DM brief never leaves its conversation and nothing crosses teams.
"""

from __future__ import annotations

from storage.scope import visible_scope


def scope_match(match: str, team: str, channel: str | None) -> str:
    """`match` limited to the body column and ANDed with the conversation's scope tokens (see m002)."""
    team_hex = team.encode("utf-8").hex()
    channel_hex = (channel or "").encode("utf-8").hex()
    return f'body : ({match}) AND scope : ("p{team_hex}" OR "c{team_hex}x{channel_hex}")'


class SearchStore:
    def search_briefs(
        self, match: str, team: str, channel: str | None, limit: int = 8, *, ranked: bool = True
    ) -> list[dict]:
        """Briefs whose TL;DR, key points or open questions match, best BM25 first, newer first on a tie.

        `ranked=False` skips BM25 and returns the newest matches: for questions made only of words most
        briefs contain, where scoring every match would be slow and rank nothing useful.
        """
        scope, params = visible_scope(team, channel, "b")
        score = "round(bm25(brief_search, 1.0, 0.0), 4)" if ranked else "0.0"
        inner, outer = ("score, b.n desc", "top.score, top.n desc") if ranked else ("b.n desc", "top.n desc")
        return self._query(
            f"""
            with top as (
                select b.n, b.article_id, {score} as score
                from brief_search join briefs b on b.n = brief_search.rowid
                where brief_search match ? and {scope}
                order by {inner} limit ?)
            select b.id as brief_id, b.tldr, b.key_points, b.created_at, a.title, a.url, a.published,
                   top.score as bm25
            from top join briefs b on b.n = top.n join articles a on a.id = top.article_id
            order by {outer}
            """,
            [scope_match(match, team, channel), *params, limit],
        )

    def search_chunks(
        self, match: str, team: str, channel: str | None, limit: int = 8, *, ranked: bool = True
    ) -> list[dict]:
        """Article chunks that match, each with the brief through which this conversation sees it.

        Equal scores of one brief's chunks fall back to the order they were indexed in."""
        scope, params = visible_scope(team, channel, "b")
        score = "round(bm25(chunk_search, 1.0, 0.0), 4)" if ranked else "0.0"
        inner, outer = (("score, b.n desc, s.rowid", "top.score, top.n desc, top.r") if ranked
                        else ("s.rowid desc", "top.r desc"))
        return self._query(
            f"""
            with top as (
                select s.rowid as r, b.n, b.id as brief_id, b.article_id, {score} as score
                from chunk_search s join briefs b on b.n = s.brief_n
                where chunk_search match ? and {scope}
                order by {inner} limit ?)
            select s.chunk_id, s.body as text, top.score as bm25, top.brief_id, a.title, a.url, a.published
            from top join chunk_search s on s.rowid = top.r join articles a on a.id = top.article_id
            order by {outer}
            """,
            [scope_match(match, team, channel), *params, limit],
        )

    def term_frequencies(self, words: list[str]) -> tuple[dict[str, int], int]:
        """How many article chunks contain each word (after the porter tokenizer), and how many chunks exist.

        Lets retrieval drop words so common they rank nothing but would make BM25 score most of the
        index. The counts are `chunk_terms` rows, kept exact by triggers as briefs come and go (m008), so
        they are read fresh each time. A word the tokenizer splits ("U.S.") counts as its rarest part.
        """
        total_row = self._one("select max(rowid) as n from chunk_search")
        total = int(total_row["n"] or 0) if total_row else 0
        if not words or total < 1:
            return {w: 0 for w in words}, total
        stems = self._stems(words)
        wanted = sorted({t for w in words for t in stems[w]})
        counts = {r["term"]: r["chunks"] for r in self._query(
            f"select term, chunks from chunk_terms where term in ({','.join('?' * len(wanted))})", wanted)}
        return {w: min((counts.get(t, 0) for t in stems[w]), default=0) for w in words}, total

    def _stems(self, words: list[str]) -> dict[str, list[str]]:
        """Each word's terms as chunk_search's porter tokenizer makes them, from a temporary FTS5 table (so
        they are SQLite's own, not a copy of its stemmer). A word's stems never change: they are kept."""
        cache = self.__dict__.setdefault("_stem_cache", {})
        if len(cache) > 50_000:
            cache.clear()
        missing = [w for w in dict.fromkeys(words) if w not in cache]
        if missing:
            with self._lock:
                db = self.db
                db.execute("create virtual table if not exists temp.term_probe using fts5(w, tokenize='porter')")
                db.execute(
                    "create virtual table if not exists temp.term_probe_v using fts5vocab(temp, term_probe, 'instance')"
                )
                db.conn.executemany(
                    "insert into temp.term_probe (rowid, w) values (?, ?)", list(enumerate(missing, start=1))
                )
                found: dict[int, list[str]] = {}
                for row in self._query("select term, doc from temp.term_probe_v"):
                    found.setdefault(row["doc"], []).append(row["term"])
                db.execute("delete from temp.term_probe")
                if db.conn.in_transaction:  # the temp-table DML opened an implicit transaction: end it
                    db.conn.commit()
            for i, word in enumerate(missing, start=1):
                cache[word] = found.get(i, [])
        return {w: cache[w] for w in words}
