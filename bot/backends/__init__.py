"""Backends write briefs and answers: the embedded one (no network) and the OpenAI one."""
