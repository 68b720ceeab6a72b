"""Multi-workspace install (OAuth v2): bolt's `OAuthSettings` over our installation and state stores.

`GET /slack/install` renders bolt's "Add to Slack" page and sets a browser cookie holding a one-time
`state`; `GET /slack/oauth_redirect` accepts Slack's redirect only when that `state` is in the store
(consumed once, ten minutes at most) and matches the cookie, then trades the `code` for a bot token with
`oauth.v2.access` (at SLACK_API_URL, like every Web API call) and stores the installation. Bot scopes are
read from manifest.json, so the app's configuration and the install link can't drift apart.
"""

from __future__ import annotations

import json
from pathlib import Path

from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store import InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from bot.config import Settings
from bot.errors import ConfigError

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# The source checkout's root (editable installs, tests), then the working directory (the image's /app).
_MANIFEST_PLACES = (Path(__file__).resolve().parents[2] / "manifest.json", Path("manifest.json"))


def manifest_bot_scopes(places: tuple[Path, ...] = _MANIFEST_PLACES) -> list[str]:
    """The bot scopes the app asks for at install, from manifest.json's oauth_config."""
    for place in places:
        if place.is_file():
            manifest = json.loads(place.read_text(encoding="utf-8"))
            return list(manifest["oauth_config"]["scopes"]["bot"])
    raise ConfigError("manifest.json not found: the OAuth install reads its bot scopes from it")


def oauth_settings(settings: Settings, installations: InstallationStore, states: OAuthStateStore) -> OAuthSettings:
    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=manifest_bot_scopes(),
        user_scopes=[],  # explicit: bolt would otherwise read SLACK_USER_SCOPES from the environment
        redirect_uri=settings.slack_redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=installations,
        state_store=states,
        state_expiration_seconds=states.expiration_seconds,
    )

