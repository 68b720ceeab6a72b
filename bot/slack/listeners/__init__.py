"""Every listener, registered in one place from the tables below.

The tables are also what the manifest test checks: each event, command, shortcut and action listed here
is in manifest.json and each one in manifest.json is here.
"""

from __future__ import annotations

from slack_bolt import App

from bot.slack import blocks
from bot.slack.context import SlackContext
from bot.slack.listeners import actions, commands, home, lifecycle, mentions, messages

# event type → (listener middleware factory or None, listener factory)
EVENTS = {
    "message": (messages.intake_middleware, messages.after_ack),
    "app_mention": (mentions.intake_middleware, mentions.after_ack),
    "app_home_opened": (None, home.after_ack),
    "app_uninstalled": (None, lifecycle.uninstalled),
    "tokens_revoked": (None, lifecycle.tokens_revoked),
}
COMMANDS = {"/brief": commands.after_ack}
SHORTCUTS = {actions.BRIEF_THIS: actions.brief_this}
ACTIONS = {
    blocks.WRONG_STORYLINE: actions.wrong_storyline,
    blocks.RESOLVE_STORYLINE: actions.resolve_storyline,
    blocks.RETRY_WITH_AI: actions.retry_with_ai,
}


def register_listeners(app: App, ctx: SlackContext) -> None:
    for event, (middleware, listener) in EVENTS.items():
        app.event(event, middleware=[middleware(ctx)] if middleware else None)(listener(ctx))
    for command, listener in COMMANDS.items():
        app.command(command)(listener(ctx))
    for callback_id, listener in SHORTCUTS.items():
        app.shortcut(callback_id)(listener(ctx))
    for action_id, listener in ACTIONS.items():
        app.action(action_id)(listener(ctx))
