"""Fixtures of the delivery tests: people, notifications, and a loopback stand-in for
SendGrid's v3 mail/send API (the only stand-in: everything of ours runs for real)."""

import datetime as dt
import json
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client

from engagement.network.models import Person
from notifications.models import Notification, Topic
from notifications.services import notification_create
from tests.factories import PersonFactory, UserFactory

# Wednesday 4 March 2026, 12:00 in Helsinki (EET, UTC+2): outside the default quiet hours.
NOON = dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _locmem_email(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.KIPINA_PUBLIC_URL = "https://kipina.example"


@pytest.fixture
def aino(db: None) -> Person:
    return PersonFactory.create(given_name="Aino", family_name="Virtanen", email="aino@example.fi")


@pytest.fixture
def mikko(db: None) -> Person:
    return PersonFactory.create(
        given_name="Mikko", family_name="Korhonen", email="mikko@example.fi"
    )


_serial = iter(range(1, 1_000_000))


def nudge(
    person: Person,
    *,
    topic: str = Topic.STUDY_REMINDERS,
    at: dt.datetime = NOON,
    key: str | None = None,
) -> Notification:
    """A notification due at `at` (a study reminder unless told)."""
    return notification_create(
        person=person,
        topic=topic,
        template="come_back",
        idempotency_key=key or f"test:{next(_serial)}",
        not_before=at,
    )


# --- The loopback SendGrid -----------------------------------------------------------------------

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


@dataclass
class FakeSendGrid:
    """Answers each mail/send with the next queued answer (202 when none is queued):
    a status code, or TIMEOUT to hold the response past the client's timeout."""

    url: str = ""
    answers: deque[int | str] = field(default_factory=deque)
    received: list[Received] = field(default_factory=list)
    retry_after: str | None = None
    release: threading.Event = field(default_factory=threading.Event)

    def answer(self, *answers: int | str) -> None:
        self.answers.extend(answers)

    @property
    def last(self) -> Received:
        return self.received[-1]


def _handler(fake: FakeSendGrid) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                payload = json.loads(body)
            except ValueError:
                payload = None
            fake.received.append(
                Received(
                    self.path,
                    dict(self.headers),
                    payload,
                    sendgrid_v3_problems(self.path, self.headers, payload),
                )
            )
            answer = fake.answers.popleft() if fake.answers else 202
            if answer == TIMEOUT:
                fake.release.wait(10)  # the client has given up long before
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

        def log_message(self, *args: Any) -> None:  # keep the test output clean
            pass

    return Handler


@pytest.fixture
def sendgrid(settings: Any) -> Iterator[FakeSendGrid]:
    """SendGrid's API on 127.0.0.1, and anymail's SendGrid backend pointed at it."""
    fake = FakeSendGrid()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_port}/v3/"
    settings.EMAIL_BACKEND = "anymail.backends.sendgrid.EmailBackend"
    settings.ANYMAIL = {
        "SENDGRID_API_KEY": "SG.loopback-test-key",
        "SENDGRID_API_URL": fake.url,
        "REQUESTS_TIMEOUT": 0.5,
    }
    yield fake
    fake.release.set()
    server.shutdown()
    server.server_close()


def signed_in(person: Person) -> Client:
    """A test client logged in as `person` (given a user account first)."""
    person.user = UserFactory.create()
    person.save()
    client = Client()
    client.force_login(person.user)
    return client
