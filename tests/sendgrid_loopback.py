"""A loopback stand-in for SendGrid's v3 mail/send API on 127.0.0.1: it checks each request's
payload shape and answers 202 (or a queued status code, or holds the response past the
client's timeout). The delivery tests (tests/notifications/conftest.py's `sendgrid` fixture)
and bench/notifications_throughput.py use this one copy.

A `FaultSchedule` makes it an ailing provider for a while (tests/e2e/test_faults_provider.py):
for the first N requests or the first K seconds it answers 429 with Retry-After, 500 or 503,
or does not answer within the client's timeout. Each request records what it was answered and
whether the provider *accepted* it (the e-mail would go out): a 202, or LATE_202, a 202 that
comes after the client has given up, as when SendGrid takes a message but its answer is slow.
"""

import contextlib
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# Hold the answer past the client's timeout and close without one: not accepted.
TIMEOUT = "timeout"
# Hold the answer past the client's timeout, then answer 202: accepted, though the client
# saw a read timeout (the request SendGrid's v3 API cannot tell us about afterwards).
LATE_202 = "late-202"


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
    answer: int | str = 202  # the status code, TIMEOUT or LATE_202
    accepted: bool = True  # whether the provider took the message (it goes out)

    @property
    def kipina_id(self) -> str:
        args = self.payload.get("custom_args", {}) if isinstance(self.payload, dict) else {}
        return str(args.get("kipina_id", ""))


@dataclass
class FaultSchedule:
    """Faults for the first `requests` requests, or for requests in the first `seconds`
    seconds after the first request (whichever is given; both: either holds). Each faulty
    request gets the next of `answers`, round robin. `hold` is how long TIMEOUT and LATE_202
    hold the answer (longer than the client's timeout)."""

    answers: tuple[int | str, ...]
    requests: int | None = None
    seconds: float | None = None
    hold: float = 10.0
    _served: int = 0
    _started: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def next_answer(self, at: float) -> int | str | None:
        """The fault for a request that arrived at `at`, or None once the spell is over."""
        with self._lock:
            if self._started is None:
                self._started = at
            faulty = (self.requests is not None and self._served < self.requests) or (
                self.seconds is not None and at - self._started < self.seconds
            )
            if not faulty:
                return None
            answer = self.answers[self._served % len(self.answers)]
            self._served += 1
            return answer


@dataclass
class FakeSendGrid:
    """Answers each mail/send with the next queued answer (202 when none is queued):
    a status code, or TIMEOUT to hold the response past the client's timeout; with a `faults`
    schedule, the schedule answers first. Speaks HTTP/1.1, so a client may keep its connection
    open between messages."""

    url: str = ""
    answers: deque[int | str] = field(default_factory=deque)
    received: list[Received] = field(default_factory=list)
    retry_after: str | None = None
    release: threading.Event = field(default_factory=threading.Event)
    connections: int = 0  # TCP connections accepted
    faults: FaultSchedule | None = None
    _server: ThreadingHTTPServer | None = None

    def answer(self, *answers: int | str) -> None:
        self.answers.extend(answers)

    @property
    def last(self) -> Received:
        return self.received[-1]

    def accepted_ids(self) -> list[str]:
        """The kipina_id of every message the provider took, late answers included."""
        return [r.kipina_id for r in list(self.received) if r.accepted]

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
            at = time.time()
            answer = fake.faults.next_answer(at) if fake.faults is not None else None
            if answer is None:
                answer = fake.answers.popleft() if fake.answers else 202
            accepted = answer in (202, LATE_202)
            fake.received.append(
                Received(self.path, dict(self.headers), payload, problems, at, answer, accepted)
            )
            if answer in (TIMEOUT, LATE_202):
                hold = fake.faults.hold if fake.faults is not None else 10.0
                fake.release.wait(hold)  # the client has given up long before
                self.close_connection = True
                if answer == LATE_202:
                    # The client closed its end: the answer finds nobody.
                    with contextlib.suppress(OSError):
                        self._answer(202)
                return
            self._answer(int(answer))

        def _answer(self, code: int) -> None:
            text = (
                b""
                if code == 202
                else json.dumps({"errors": [{"message": f"answer {code}", "field": None}]}).encode()
            )
            self.send_response(code)
            if code in (429, 503) and fake.retry_after is not None:
                self.send_header("Retry-After", fake.retry_after)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, *args: Any) -> None:  # keep the output clean
            pass

    return Handler
