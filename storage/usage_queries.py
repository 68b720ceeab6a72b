"""Model usage reports and budgets.

A mixin of `storage.store.Store`: methods use `self._query`, `self._one` and `self.write()` from it.
"""

from __future__ import annotations


class UsageQueries:
    pass
