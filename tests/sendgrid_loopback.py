"""A loopback stand-in for SendGrid's v3 mail/send API on 127.0.0.1: it checks each request's
payload shape and answers 202 (or a queued status code, or holds the response past the
client's timeout). The delivery tests (tests/notifications/conftest.py's `sendgrid` fixture)
and bench/notifications_throughput.py use this one copy."""

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TIMEOUT = "timeout"


def sendgrid_v3_problems(path: str, headers: Any, payload: Any) -> list[str]:
    """What is wrong with a v3 mail/send request, as SendGrid's documentation describes it
    (https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send)."""
    problems = []
    if path != "/v3/mail/send":
        problems.append(f"path {path}")
    if not str(headers.get("Authorization", "")).startswith("Bearer "):
        problems.append("no Bearer key")
    if not isinstance(payload, dict):
        return [*problems, "the body is not a JSON object"]
    people = payload.get("personalizations")
    if not (isinstance(people, list) and people and all(p.get("to") for p in people)):
        problems.append("personalizations[].to is required")
    if not isinstance(payload.get("from"), dict) or "@" not in payload["from"].get("email", ""):
        problems.append("from.email is required")
    if not isinstance(payload.get("subject"), str) or not payload["subject"]:
        problems.append("subject is required")
    content = payload.get("content", [])
    if [part.get("type") for part in content] != ["text/plain", "text/html"]:
        problems.append("content must be text/plain then text/html")
    if not all(isinstance(part.get("value"), str) and part["value"] for part in content):
        problems.append("content[].value must be non-empty text")
    custom_args = payload.get("custom_args", {})
    if not all(isinstance(v, str) for v in custom_args.values()):
        problems.append("custom_args values must be strings")
    categories = payload.get("categories", [])
    if not (isinstance(categories, list) and len(categories) <= 10):
        problems.append("categories must be a list of at most 10")
    return problems


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    payload: Any
    problems: list[str]
    at: float = 0.0  # time.time() when the request had been read

    @property
    def kipina_id(self) -> str:
        args = self.payload.get("custom_args", {}) if isinstance(self.payload, dict) else {}
        return str(args.get("kipina_id", ""))


@dataclass
class FakeSendGrid:
    """Answers each mail/send with the next queued answer (202 when none is queued):
    a status code, or TIMEOUT to hold the response past the client's timeout. Speaks
    HTTP/1.1, so a client may keep its connection open between messages."""

    url: str = ""
    answers: deque[int | str] = field(default_factory=deque)
    received: list[Received] = field(default_factory=list)
    retry_after: str | None = None
    release: threading.Event = field(default_factory=threading.Event)
    connections: int = 0  # TCP connections accepted
    _server: ThreadingHTTPServer | None = None

    def answer(self, *answers: int | str) -> None:
        self.answers.extend(answers)

    @property
    def last(self) -> Received:
        return self.received[-1]

    def start(self) -> "FakeSendGrid":
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._server.request_queue_size = 128
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_port}/v3/"
        return self

    def close(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def _handler(fake: FakeSendGrid) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            fake.connections += 1  # one handler per connection; += under the GIL is enough here

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                payload = json.loads(body)
            except ValueError:
                payload = None
            problems = sendgrid_v3_problems(self.path, self.headers, payload)
            fake.received.append(
                Received(self.path, dict(self.headers), payload, problems, time.time())
            )
            answer = fake.answers.popleft() if fake.answers else 202
            if answer == TIMEOUT:
                fake.release.wait(10)  # the client has given up long before
                self.close_connection = True
                return
            self._answer(int(answer))

        def _answer(self, code: int) -> None:
            text = (
                b""
                if code == 202
                else json.dumps({"errors": [{"message": f"answer {code}", "field": None}]}).encode()
            )
            self.send_response(code)
            if code == 429 and fake.retry_after is not None:
                self.send_header("Retry-After", fake.retry_after)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, *args: Any) -> None:  # keep the output clean
            pass

    return Handler
