"""FTS5 retrieval over briefs and article chunks, scoped by visibility.

A mixin of `storage.store.Store`: methods use `self._query`, `self._one` and `self.write()` from it.
"""

from __future__ import annotations


class RetrievalQueries:
    pass
