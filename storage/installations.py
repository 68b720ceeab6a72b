"""Where each workspace's install lives: slack_sdk's SQLite installation and OAuth state stores, opened on
the bot's own database file.

Why these and not the SQLAlchemy stores: they need no new dependency and no second engine or pool for one
SQLite file, and bolt's `InstallationStoreAuthorize` reads them as they are. Their tables
(`slack_installations`, `slack_bots`, `oauth_states`) and SQL belong to slack_sdk, which versions them; our
rule that only `storage/` writes SQL holds because this module is the only place they are opened. The
subclasses change one thing: connections wait on a busy database like ours do (`BUSY_TIMEOUT_MS`) instead
of sqlite3's 5 s default, since the workers write the same file.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore
from slack_sdk.oauth.state_store.sqlite3 import SQLite3OAuthStateStore

from storage.db import BUSY_TIMEOUT_MS

STATE_EXPIRATION_SECONDS = 600  # an "Add to Slack" click must come back within ten minutes


def _connect(database: str) -> sqlite3.Connection:
    conn = sqlite3.connect(database=database, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


class InstallationStore(SQLite3InstallationStore):
    """Bots and installations per team (`find_bot(enterprise_id=None, team_id=T…)` gives the bot token)."""

    def connect(self) -> sqlite3.Connection:
        return _connect(self.database)


class OAuthStateStore(SQLite3OAuthStateStore):
    """One-time `state` values for the OAuth redirect: issued on /slack/install, consumed once."""

    def connect(self) -> sqlite3.Connection:
        return _connect(self.database)


def open_install_stores(db_path: str | Path, client_id: str) -> tuple[InstallationStore, OAuthStateStore]:
    """The two stores on `db_path` (their tables are created on first use)."""
    database = str(db_path)
    installations = InstallationStore(database=database, client_id=client_id)
    states = OAuthStateStore(database=database, expiration_seconds=STATE_EXPIRATION_SECONDS)
    installations.init()
    states.init()
    return installations, states
