"""An OpenAI-compatible server on 127.0.0.1 for tests: the real `openai` client talks to it over HTTP.

It answers `POST /v1/chat/completions` with canned Structured Outputs JSON, records every request (path,
headers, JSON body) so tests can assert what was sent, and can be told to misbehave.

Usage (pytest)::

    from tests.helpers.openai_stub import openai_stub  # noqa: F401

    def test_something(openai_stub):
        openai_stub.push({"tldr": "...", ...})   # the next reply's content (a dict is sent as JSON)
        openai_stub.push("429", "ok")            # then a 429 with a short Retry-After, then the default
        openai_stub.default = "500"              # what every request without a pushed reply gets
        ... openai_stub.base_url ...             # "http://127.0.0.1:<port>/v1"
        assert len(openai_stub.requests) == 1

Reply kinds: "ok" (a default reply built from the request: a brief from the fenced article's first
sentences, an answer citing passage [1], an empty digest intro), a dict or str (the content itself),
"429" (Retry-After: 0.01 s), "500", "401" (an error that echoes the key, as OpenAI's does), "hang" (no
reply until `hang_seconds` pass or the stub stops), "refusal", "length" (finish_reason length, cut JSON),
"invalid_json", "content_filter".

Token usage is an estimate (~4 characters per token) and prompt caching is simulated the way OpenAI
does it: a prefix shared with an earlier request counts as cached from 1,024 tokens on, in steps of 128.

`python -m tests.helpers.openai_stub` ingests the demo samples through the OpenAI backend against this
stub (twice, in two channels) and prints the request count and tokens.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.helpers.store_peek import usage_rows

Reply = str | dict | Callable[[dict], "str | dict"]


@dataclass(frozen=True)
class StubRequest:
    path: str
    headers: dict[str, str]
    body: dict

    @property
    def messages(self) -> list[dict]:
        return self.body.get("messages", [])

    @property
    def schema_name(self) -> str | None:
        fmt = self.body.get("response_format") or {}
        return (fmt.get("json_schema") or {}).get("name")


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.strip()) > 1]


def default_brief(request: StubRequest) -> dict:
    """A plausible brief from the fenced article: its first sentences, no events, one new storyline."""
    user = request.messages[-1]["content"]
    m = re.search(r"<<<ARTICLE\n(.*?)\nARTICLE>>>", user, re.S)
    body = m.group(1) if m else user
    title_m = re.match(r"Title: (.*)\n", body)
    title = title_m.group(1).strip() if title_m else "Untitled"
    text = body[title_m.end():] if title_m else body
    sentences = [s for s in _sentences(text) if s != "[…]"]
    return {
        "tldr": sentences[0] if sentences else title,
        "key_points": sentences[1:3],
        "open_questions": [s for s in sentences if s.endswith("?")][:1],
        "entities": [],
        "storylines": {"existing_ids": [], "new_titles": [" ".join(title.split()[:6])]},
        "events": [],
    }


def default_answer(request: StubRequest) -> dict:
    user = request.messages[-1]["content"]
    m = re.search(r"^\[1\] .*\n(.+)$", user, re.M)
    return {"answer": f"{_sentences(m.group(1))[0]} [1]" if m else ""}


DEFAULT_CONTENT: dict[str, Callable[[StubRequest], dict]] = {
    "BriefOut": default_brief,
    "AnswerOut": default_answer,
    "IntroOut": lambda request: {"intro": ""},
}


class OpenAIStub:
    def __init__(self, api_key_echo: str = "sk-test"):
        self.requests: list[StubRequest] = []
        self.default: Reply = "ok"
        self.hang_seconds = 10.0
        self.retry_after = "0.01"
        self.api_key_echo = api_key_echo
        self._queue: list[Reply] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._prefixes: list[str] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control ------------------------------------------------------------------------------------

    def push(self, *replies: Reply) -> OpenAIStub:
        with self._lock:
            self._queue.extend(replies)
        return self

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the stub first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> OpenAIStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    body = {"_raw": raw.decode("utf-8", "replace")}
                request = StubRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                stub._record(request)
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                    return
                stub._respond(self, request)

            def _send(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="openai-stub",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- internals ----------------------------------------------------------------------------------

    def _record(self, request: StubRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next(self) -> Reply:
        with self._lock:
            return self._queue.pop(0) if self._queue else self.default

    def _usage(self, request: StubRequest, content: str) -> dict:
        text = "\n".join(str(m.get("content") or "") for m in request.messages)
        prompt = estimate_tokens(text) + 4 * len(request.messages)
        with self._lock:
            shared = max((_common_prefix(text, p) for p in self._prefixes), default=0)
            self._prefixes.append(text)
        shared_tokens = shared // 4
        cached = (shared_tokens // 128) * 128 if shared_tokens >= 1024 else 0
        completion = estimate_tokens(content)
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": min(cached, prompt)},
        }

    def _respond(self, handler, request: StubRequest) -> None:
        reply = self._next()
        if callable(reply):
            reply = reply(request.body)
        if reply == "429":
            handler._send(429, {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit"}},
                          {"Retry-After": self.retry_after})
            return
        if reply == "500":
            handler._send(500, {"error": {"message": "The server had an error", "type": "server_error"}},
                          {"Retry-After": self.retry_after})
            return
        if reply == "401":
            handler._send(401, {"error": {"message": f"Incorrect API key provided: {self.api_key_echo}.",
                                          "type": "invalid_request_error", "code": "invalid_api_key"}})
            return
        if reply == "hang":
            self._stopping.wait(self.hang_seconds)
            reply = "ok"
        finish, refusal = "stop", None
        if reply == "ok":
            maker = DEFAULT_CONTENT.get(request.schema_name or "", lambda r: {})
            content: str | None = json.dumps(maker(request))
        elif reply == "refusal":
            content, refusal = None, "I'm sorry, I can't help with that request."
        elif reply == "length":
            content, finish = json.dumps(default_brief(request))[:40], "length"
        elif reply == "invalid_json":
            content = '{"tldr": "The Fed is expected to cut rates", "key_points": ['
        elif reply == "content_filter":
            content, finish = None, "content_filter"
        elif isinstance(reply, dict):
            content = json.dumps(reply)
        else:
            content = str(reply)
        payload = {
            "id": f"chatcmpl-stub-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.body.get("model", "stub"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": refusal},
                    "finish_reason": finish,
                    "logprobs": None,
                }
            ],
            "usage": self._usage(request, content or refusal or ""),
        }
        handler._send(200, payload)


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


@pytest.fixture
def openai_stub():
    """A started `OpenAIStub` on 127.0.0.1, stopped after the test."""
    stub = OpenAIStub().start()
    try:
        yield stub
    finally:
        stub.stop()


# ---------------------------------------------------------------------------------------------- demo figures


def demo_figures() -> dict:
    """Ingest the demo samples with the OpenAI backend against the stub; return requests and tokens."""
    import datetime as dt
    import tempfile
    from pathlib import Path

    from bot.cli.demo import sample_paths
    from bot.clock import FixedClock
    from bot.config import load_settings
    from bot.pipeline.ingest import Placement, Source
    from bot.services import build_services

    stub = OpenAIStub().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = load_settings({"BRIEFBOT_DB": str(Path(tmp) / "demo.db"), "OPENAI_API_KEY": "sk-test",
                                      "OPENAI_BASE_URL": stub.base_url}, dotenv=False)
            services = build_services(settings, clock=FixedClock(dt.datetime(2025, 10, 28, 6, 0, tzinfo=dt.UTC)))
            rows = []
            for channel in ("C0DEMO", "C0OTHER"):
                for path, published in sample_paths():
                    before = len(stub.requests)
                    result = services.ingestor.ingest(Source("file", str(path), path.name),
                                                      Placement(team="T0DEMO", channel=channel), published=published)
                    record = services.store.get_brief(result.brief_id)
                    rows.append({"channel": channel, "sample": path.name, "brief": result.brief_id,
                                 "reused": result.reused, "requests": len(stub.requests) - before,
                                 "backend": record["backend"], "prompt_tokens": record["prompt_tokens"],
                                 "completion_tokens": record["completion_tokens"],
                                 "cached_tokens": record["cached_tokens"]})
            usage = usage_rows(services.store)
            services.close()
        return {
            "requests": len(stub.requests),
            "rows": rows,
            "usage_rows": len(usage),
            "prompt_tokens": sum(u["prompt_tokens"] for u in usage),
            "completion_tokens": sum(u["completion_tokens"] for u in usage),
            "cached_tokens": sum(u["cached_tokens"] for u in usage),
            "model": settings.model,
        }
    finally:
        stub.stop()


if __name__ == "__main__":
    figures = demo_figures()
    for row in figures["rows"]:
        print(f"{row['channel']:8} {row['sample']:28} {row['brief']:4} reused={row['reused']!s:5} "
              f"requests={row['requests']} backend={row['backend']:22} prompt={row['prompt_tokens'] or 0:>5} "
              f"completion={row['completion_tokens'] or 0:>4} cached={row['cached_tokens'] or 0}")
    print(f"stub requests: {figures['requests']}; usage rows: {figures['usage_rows']}; model {figures['model']}")
    print(f"tokens: prompt {figures['prompt_tokens']:,}, completion {figures['completion_tokens']:,}, "
          f"cached {figures['cached_tokens']:,} (stub estimate, ~4 chars/token)")
