"""`app_mention` events: the same intake as messages, so a mention delivered both as `message` and as
`app_mention` becomes one job (same team, channel, ts and source) and therefore one reply."""

from __future__ import annotations

from bot.slack.listeners.messages import after_ack, intake_middleware

__all__ = ["after_ack", "intake_middleware"]
