"""Chunk embeddings (table `chunk_vectors`, m005) and the chunk reads of two-stage retrieval.

A mixin of `storage.store.Store`. Vectors are float32 BLOBs; the nearest-neighbour search is an exact
scan in numpy over an in-memory matrix that is loaded once per (process, model) and then extended with
rows added since (chunk ids only grow), so a question costs one matrix-vector product, not a table
read. Hits are filtered by `visible_scope` afterwards, in SQL, like every read of briefs.
"""

from __future__ import annotations

import threading
from typing import Any

from storage.scope import visible_scope

_OVERFETCH = 8  # nearest rows read per wanted hit, before the visibility filter drops some


class _Matrix:
    def __init__(self) -> None:
        self.ids: list[int] = []
        self.rows: list[Any] = []
        self.matrix = None
        self.last_id = 0
        self.lock = threading.Lock()


class VectorStore:
    def chunks_missing_vectors_of_brief(self, brief_id: str, model: str) -> list[dict]:
        """The chunks (id, text) of the brief's article that have no vector for `model` yet, in order."""
        return self._query(
            "select c.id, c.text from briefs b join chunks c on c.article_id = b.article_id "
            "left join chunk_vectors v on v.chunk_id = c.id and v.model = ? "
            "where b.id = ? and v.chunk_id is null order by c.n",
            [model, brief_id],
        )

    def save_chunk_vectors(self, model: str, vectors: dict[int, bytes], dim: int) -> None:
        """Store float32 vectors (chunk id -> bytes) for `model`; an existing one is kept."""
        with self.write() as db:
            db.conn.executemany(
                "insert or ignore into chunk_vectors (chunk_id, model, dim, vector) values (?, ?, ?, ?)",
                [(cid, model, dim, blob) for cid, blob in vectors.items()],
            )

    def count_chunk_vectors(self, model: str | None = None) -> int:
        sql, args = "select count(*) as n from chunk_vectors", []
        if model:
            sql, args = sql + " where model = ?", [model]
        return int(self._one(sql, args)["n"])

    def chunks_of_briefs(self, brief_ids: list[str], team: str, channel: str | None, per_brief: int = 60
                         ) -> list[dict]:
        """Every chunk of the given briefs this conversation may see, in article order."""
        if not brief_ids:
            return []
        scope, params = visible_scope(team, channel, "b")
        marks = ",".join("?" * len(brief_ids))
        return self._query(
            f"""
            select c.id as chunk_id, c.text, b.id as brief_id, a.title, a.url, a.published
            from briefs b join articles a on a.id = b.article_id join chunks c on c.article_id = a.id
            where b.id in ({marks}) and {scope} and c.n < ?
            order by b.n desc, c.n
            """,
            [*brief_ids, *params, per_brief],
        )

    def nearest_chunks(self, vector, team: str, channel: str | None, k: int = 30, *, model: str) -> list[dict]:
        """The `k` visible chunks nearest to `vector` by cosine, nearest first (rows as `search_chunks`)."""
        import numpy as np  # only stores with vectors need numpy

        entry = self._vector_matrix(model)
        with entry.lock:
            if entry.matrix is None or not entry.ids:
                return []
            q = np.asarray(vector, dtype=np.float32)
            norm = float(np.linalg.norm(q))
            if norm == 0.0 or q.shape[0] != entry.matrix.shape[1]:
                return []
            sims = entry.matrix @ (q / norm)
            want = min(len(entry.ids), k * _OVERFETCH)
            top = np.argpartition(-sims, want - 1)[:want] if want < len(entry.ids) else np.arange(len(entry.ids))
            top = top[np.argsort(-sims[top])]
            ids = [entry.ids[i] for i in top]
            score = {entry.ids[i]: float(sims[i]) for i in top}
        scope, params = visible_scope(team, channel, "b")
        marks = ",".join("?" * len(ids))
        rows = self._query(
            f"""
            select c.id as chunk_id, c.text, b.id as brief_id, a.title, a.url, a.published
            from chunks c join articles a on a.id = c.article_id join briefs b on b.article_id = a.id
            where c.id in ({marks}) and {scope}
            order by b.n desc
            """,
            [*ids, *params],
        )
        best: dict[int, dict] = {}
        for row in rows:
            best.setdefault(row["chunk_id"], row)
        ordered = sorted(best.values(), key=lambda r: -score[r["chunk_id"]])[:k]
        for row in ordered:
            row["cosine"] = score[row["chunk_id"]]
        return ordered

    def _vector_matrix(self, model: str) -> _Matrix:
        """The (chunk ids, unit-normalised matrix) of `model`, extended with rows added since last time."""
        import numpy as np

        cache = self.__dict__.setdefault("_vector_cache", {})
        entry = cache.setdefault(model, _Matrix())
        with entry.lock:
            new = self._query(
                "select chunk_id, dim, vector from chunk_vectors where model = ? and chunk_id > ? order by chunk_id",
                [model, entry.last_id],
            )
            if new:
                dim = new[0]["dim"]
                block = np.frombuffer(b"".join(r["vector"] for r in new if r["dim"] == dim), dtype="<f4")
                block = block.reshape(-1, dim).astype(np.float32)
                norms = np.linalg.norm(block, axis=1, keepdims=True)
                block = block / np.where(norms == 0, 1, norms)
                entry.matrix = block if entry.matrix is None else np.vstack([entry.matrix, block])
                entry.ids.extend(r["chunk_id"] for r in new if r["dim"] == dim)
                entry.last_id = new[-1]["chunk_id"]
        return entry
