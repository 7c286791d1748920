"""LMS clients in a closed loop against a live LRS, each answer checked: bench-load's engine.

Each client is one LMS with its own credentials, a thread of its own, and its own
bench/population.py traffic (its organisation's learners and courses, voiding statements
and StatementRefs aimed at what it sent before). It sends its next request as soon as the
previous one is answered, with no pause: every client has a request in flight all the time,
the worst case of many LMSs flushing their queues at once. Each request is one of

- POST of 1-10 statements (ids set by the LMS, as logstore_xapi sends them),
- PUT of one statement (`statementId`),
- GET of one statement it stored (`statementId`; voided ones are left out: they are 404),
- GET filtered by agent, verb, activity, registration or `since`, with a `limit` of 10-100,
  half of them followed by their `more` link, and that one's again, and so on,

all with X-Experience-API-Version: 1.0.3 and HTTP Basic, each on a new connection (as an LMS
posting from its cron job or request handler does). An answer is an error when its status
is not the one xAPI gives, or its body is not what was asked for (the ids stored, the
statement asked for, a statement result); a connection failure or timeout is an error too.
"""

import base64
import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.client import HTTPConnection, HTTPException
from typing import Any
from urllib.parse import urlencode

from population import Lms, Traffic

VERSION = "1.0.3"
TIMEOUT_SECONDS = 120  # gunicorn's own timeout: past it the worker is killed anyway
LIMITS = (10, 25, 50, 100)
FOLLOW_MORE = 0.5  # share of filtered GETs (and of `more` pages) whose `more` link is followed
# Request kinds and their weights in the mix (a `more` follow is not drawn: it follows).
POST, PUT, GET_ID, GET_FILTERED, GET_MORE = (
    "POST 1-10 statements",
    "PUT 1 statement",
    "GET statementId",
    "GET filtered (agent, verb, activity, registration, since)",
    "GET `more` page",
)
MIX = {POST: 35, PUT: 10, GET_ID: 20, GET_FILTERED: 35}
KINDS = (POST, PUT, GET_ID, GET_FILTERED, GET_MORE)
WARM_UP = "warm-up GET limit=1"
_KEPT_IDS = 2000  # ids of a client's stored statements it may ask for again
_FILTERS = ("agent", "verb", "activity", "registration", "since")


@dataclass(frozen=True)
class LoadClient:
    key: str
    secret: str
    lms: Lms
    seed: int


@dataclass(frozen=True)
class Outcome:
    kind: str
    started: float  # time.monotonic() when the request was sent
    milliseconds: float
    stored: int  # statements the LRS said it stored (POST, PUT)
    returned: int  # statements in a GET's answer
    error: str | None


@dataclass
class LoadRun:
    """Every request of every client, in the warm-up and in the measured window."""

    warm_up: list[Outcome] = field(default_factory=list)
    measured: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0  # from the window's start until the last request in it was answered

    @property
    def errors(self) -> list[Outcome]:
        """Failed requests of the measured window."""
        return [o for o in self.measured if o.error is not None]

    @property
    def warm_up_errors(self) -> list[Outcome]:
        return [o for o in self.warm_up if o.error is not None]

    @property
    def stored(self) -> int:
        """Statements acknowledged as stored, in both phases."""
        return sum(o.stored for o in self.warm_up + self.measured if o.error is None)


class _Refused(Exception):
    """The answer was not the one asked for."""


class _Lms:
    """One client's state: its traffic, what it stored, and a `more` link to follow."""

    def __init__(self, client: LoadClient, host: str, port: int) -> None:
        self.client, self.host, self.port = client, host, port
        self.rng = random.Random(client.seed)
        self.traffic = Traffic(client.seed, organisations=(client.lms,))
        self.live: deque[str] = deque(maxlen=_KEPT_IDS)
        self.voided: set[str] = set()
        self.learning: deque[dict[str, Any]] = deque(maxlen=50)  # for filter values
        self.more = ""
        basic = base64.b64encode(f"{client.key}:{client.secret}".encode()).decode()
        self.headers = {
            "Authorization": f"Basic {basic}",
            "X-Experience-API-Version": VERSION,
            "Content-Type": "application/json",
        }

    def warm_up(self) -> Outcome:
        return self._timed(WARM_UP, lambda: self._get_page("/xapi/statements?limit=1"))

    def step(self) -> Outcome:
        if self.more:
            kind = GET_MORE
        else:
            kind = self.rng.choices(list(MIX), weights=list(MIX.values()))[0]
            if kind == GET_ID and not self._askable():
                kind = POST
            if kind == GET_FILTERED and not self.learning:
                kind = POST
        action: dict[str, Callable[[], tuple[int, int]]] = {
            POST: self._post,
            PUT: self._put,
            GET_ID: self._get_id,
            GET_FILTERED: self._get_filtered,
            GET_MORE: self._get_more,
        }
        return self._timed(kind, action[kind])

    def _timed(self, kind: str, action: Callable[[], tuple[int, int]]) -> Outcome:
        started = time.monotonic()
        clock = time.perf_counter()
        try:
            stored, returned = action()
            error = None
        except (_Refused, OSError, HTTPException, ValueError) as refusal:
            stored, returned, error = 0, 0, f"{type(refusal).__name__}: {refusal}"[:500]
            self.more = ""
        milliseconds = (time.perf_counter() - clock) * 1000
        return Outcome(kind, started, milliseconds, stored, returned, error)

    # --- requests ------------------------------------------------------------------------

    def _post(self) -> tuple[int, int]:
        batch = self._statements(self.rng.randint(1, 10))
        status, body = self._request("POST", "/xapi/statements", _compact(batch))
        ids = [statement["id"] for statement in batch]
        if status != 200 or json.loads(body) != ids:
            raise _Refused(f"POST of {len(batch)}: {status} {body[:300]!r}")
        self._remember(batch)
        return len(batch), 0

    def _put(self) -> tuple[int, int]:
        statement = self._statements(1)[0]
        statement_id = statement.pop("id")
        path = f"/xapi/statements?{urlencode({'statementId': statement_id})}"
        status, body = self._request("PUT", path, _compact(statement))
        if status != 204:
            raise _Refused(f"PUT {statement_id}: {status} {body[:300]!r}")
        self._remember([{"id": statement_id, **statement}])
        return 1, 0

    def _get_id(self) -> tuple[int, int]:
        statement_id = self.rng.choice(self._askable())
        status, body = self._request("GET", f"/xapi/statements?statementId={statement_id}")
        answer = json.loads(body) if status == 200 else None
        if not isinstance(answer, dict) or answer.get("id") != statement_id:
            raise _Refused(f"GET statementId={statement_id}: {status} {body[:300]!r}")
        return 0, 1

    def _get_filtered(self) -> tuple[int, int]:
        params = self._filter(self.rng.choice(_FILTERS), self.rng.choice(list(self.learning)))
        params["limit"] = str(self.rng.choice(LIMITS))
        return self._get_page(f"/xapi/statements?{urlencode(params)}")

    def _get_more(self) -> tuple[int, int]:
        path, self.more = self.more, ""
        return self._get_page(path)

    def _get_page(self, path: str) -> tuple[int, int]:
        status, body = self._request("GET", path)
        answer = json.loads(body) if status == 200 else None
        if not isinstance(answer, dict) or not isinstance(answer.get("statements"), list):
            raise _Refused(f"GET {path[:200]}: {status} {body[:300]!r}")
        more = answer.get("more")
        if not isinstance(more, str):
            raise _Refused(f"GET {path[:200]}: `more` is {more!r}")
        if more and self.rng.random() < FOLLOW_MORE:
            self.more = more
        return 0, len(answer["statements"])

    def _request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        connection = HTTPConnection(self.host, self.port, timeout=TIMEOUT_SECONDS)
        try:
            connection.request(method, path, body, headers=self.headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    # --- what the LMS knows ----------------------------------------------------------------

    def _statements(self, count: int) -> list[dict[str, Any]]:
        now = datetime.now(tz=UTC)
        return self.traffic.statements(count, now, timedelta(minutes=10))

    def _remember(self, statements: list[dict[str, Any]]) -> None:
        for statement in statements:
            target = statement["object"]
            if statement["verb"]["id"].endswith("/voided"):
                self.voided.add(target["id"])
            elif target.get("objectType") == "Activity":
                self.learning.append(statement)
            self.live.append(statement["id"])

    def _askable(self) -> list[str]:
        return [statement_id for statement_id in self.live if statement_id not in self.voided]

    def _filter(self, name: str, statement: dict[str, Any]) -> dict[str, str]:
        if name == "agent":
            actor = {k: v for k, v in statement["actor"].items() if k != "name"}
            return {"agent": json.dumps(actor)}
        if name == "verb":
            return {"verb": statement["verb"]["id"]}
        if name == "activity":
            return {"activity": statement["object"]["id"]}
        if name == "registration":
            return {"registration": statement["context"]["registration"]}
        since = datetime.now(tz=UTC) - timedelta(minutes=10 * self.rng.random())
        return {"since": since.isoformat()}


def _compact(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


def run_load(
    clients: list[LoadClient],
    host: str,
    port: int,
    *,
    seconds: float,
    warm_up: int,
    on_window: Callable[[], None] = lambda: None,
) -> LoadRun:
    """Every client in its own thread: `warm_up` small GETs each, then, once all are done,
    the measured `seconds` for all at once. The warm-up is for the secrets: each gunicorn
    worker checks a client's secret once (PBKDF2, about half a second of CPU) and then
    remembers it, and a request lands on a worker the kernel picks, so a dozen requests
    reach each of three workers with a chance of 99 %. `on_window` is called as the window
    opens. Requests sent in the window count in it; the last ones are waited for."""
    run = LoadRun()
    lock = threading.Lock()
    times: dict[str, float] = {}

    def open_window() -> None:
        on_window()
        times["window"] = time.monotonic()
        times["end"] = times["window"] + seconds

    warmed = threading.Barrier(len(clients), action=open_window)

    def client_loop(client: LoadClient) -> None:
        lms = _Lms(client, host, port)
        warm = [lms.warm_up() for _ in range(warm_up)]
        warmed.wait()
        measured: list[Outcome] = []
        while time.monotonic() < times["end"]:
            measured.append(lms.step())
        with lock:
            run.warm_up.extend(warm)
            run.measured.extend(measured)

    threads = [threading.Thread(target=client_loop, args=(c,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answered = [o.started + o.milliseconds / 1000 for o in run.measured]
    run.seconds = max(answered, default=times["end"]) - times["window"]
    return run
