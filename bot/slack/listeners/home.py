"""App Home: open storylines with their last update, the week ahead, this workspace's digest schedules.

Public briefs only: the Home tab is seen by one person outside any conversation.
"""

from __future__ import annotations

import datetime as dt

from bot.schedules import schedules_for_home
from bot.slack import blocks
from bot.slack.context import SlackContext


def home_view_for(ctx: SlackContext, team: str) -> dict:
    store = ctx.store
    today = ctx.services.today()
    events = store.visible_events(team, None, start=today.isoformat(),
                                  end=(today + dt.timedelta(days=6)).isoformat(), limit=40)
    return blocks.home_view(store.visible_storylines(team, None), events, schedules_for_home(ctx.services, team))


def after_ack(ctx: SlackContext):
    def on_home_opened(body, event, context):
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        team = body.get("team_id") or context.team_id or ""
        ctx.poster.for_team(team).publish_home(event["user"], home_view_for(ctx, team))

    return on_home_opened
