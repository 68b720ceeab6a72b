"""Slack adapter: turns Slack events into jobs and stored briefs into Slack messages.

Nothing in bot/pipeline/ knows about Slack; everything Slack-shaped (Block Kit, mrkdwn escaping, event
payloads, Web API errors) lives here.
"""
