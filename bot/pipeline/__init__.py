"""The domain: plain functions over dataclasses. Never imports slack_bolt or openai."""
