"""SQLite storage. The only package that writes SQL; it never imports `bot`."""

from storage.store import Store

__all__ = ["Store"]
