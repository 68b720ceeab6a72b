"""`app_uninstalled` and `tokens_revoked`: a workspace removed the app or its bot token.

bolt acks these events itself (they skip authorization: the token is already gone); the body deletes the
installation and stops the team's schedules and queued jobs (`TeamLeaving`, bot/slack/teams.py).
"""

from __future__ import annotations

from bot.slack.context import SlackContext


def uninstalled(ctx: SlackContext):
    def on_app_uninstalled(body, context):
        team = context.team_id or body.get("team_id") or ""
        ctx.team_leaving.uninstalled(team, context.enterprise_id)

    return on_app_uninstalled


def tokens_revoked(ctx: SlackContext):
    def on_tokens_revoked(body, event, context):
        team = context.team_id or body.get("team_id") or ""
        ctx.team_leaving.tokens_revoked(team, event, context.enterprise_id)

    return on_tokens_revoked
