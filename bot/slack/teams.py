"""Many workspaces: each team's Web API client from its installation, and what happens when a team leaves.

`TeamClients(team)` gives a client with the bot token stored for that team by the OAuth redirect; a team
with no installation gets a client without a token, whose calls Slack refuses (`not_authed`), logged like
any refusal. `TeamLeaving` handles `app_uninstalled` and `tokens_revoked`: the installation is deleted
(as bolt's own listener would), and the team's schedules and queued jobs stopped, so nothing more is
posted to a workspace that removed the app.
Enterprise Grid org-wide installs are not supported: installations are looked up by team alone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import InstallationStore

from bot.slack.poster import build_client

log = logging.getLogger(__name__)


class TeamClients:
    """`clients(team)`: the team's current bot token is read from the store on every call (one small
    SQLite read per job step), so a reinstall's new token or an uninstall takes effect at once; the
    WebClient itself is kept per token."""

    def __init__(self, installations: InstallationStore, api_url: str | None,
                 wrap: Callable[[WebClient], WebClient] = lambda c: c):
        self.installations = installations
        self.api_url = api_url
        self.wrap = wrap
        self._clients: dict[str, WebClient] = {}
        self._lock = threading.Lock()

    def __call__(self, team: str) -> WebClient:
        bot = self.installations.find_bot(enterprise_id=None, team_id=team)
        token = bot.bot_token if bot is not None else None
        if token is None:
            log.warning("no installation for team %s: its Web API calls will be refused", team)
            return self.wrap(build_client(None, self.api_url))
        with self._lock:
            client = self._clients.get(token)
            if client is None:
                client = self._clients[token] = self.wrap(build_client(token, self.api_url))
        return client


class TeamLeaving:
    """What `app_uninstalled` and `tokens_revoked` do (listeners/lifecycle.py calls it after the ack).

    Without OAuth (one bot token) there is no installation to delete; the team's work still stops."""

    def __init__(self, stop_team: Callable[[str], dict], installations: InstallationStore | None = None):
        self.stop_team = stop_team
        self.installations = installations

    def uninstalled(self, team: str, enterprise: str | None = None) -> dict:
        if self.installations is not None:
            self.installations.delete_all(enterprise_id=enterprise, team_id=team)
        stopped = self.stop_team(team)
        log.info("team %s removed the app: installation deleted, %d schedule(s) and %d queued job(s) stopped",
                 team, stopped["schedules"], stopped["jobs"])
        return stopped

    def tokens_revoked(self, team: str, event: dict, enterprise: str | None = None) -> dict | None:
        """Only a revoked bot token stops the team; user tokens (we ask for none) are just deleted."""
        tokens = event.get("tokens") or {}
        if self.installations is not None:
            for user in tokens.get("oauth") or []:
                self.installations.delete_installation(enterprise_id=enterprise, team_id=team, user_id=user)
        if tokens.get("bot"):
            return self.uninstalled(team, enterprise)
        return None
