"""The LMS side of the demo: send, count and void statements through the real tincan client.

Everything here goes over HTTP to the live endpoint, as a partner LMS would; nothing reads
the database. Failures raise ReplayError with the LRS's own answer in the message.
"""

import copy
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from tincan import Activity, Agent, AgentAccount, RemoteLRS, Statement, StatementList, Verb
from tincan.lrs_response import LRSResponse

from backend.demo.catalogue import LEARNERS
from backend.demo.traffic import (
    HELSINKI,
    WINDOW_DAYS,
    DemoTraffic,
    demo_traffic,
    learner_agents,
    sender_counts,
)
from learning_records.xapi.timestamps import parse_timestamp

XAPI_VERSION = "1.0.3"
# An LMS sends its queued log in batches; the sizes vary with its settings and its queue.
BATCH_SIZES = (25, 50, 100)
PAGE_SIZE = 100
# Of a refusal's body: an xAPI error is short, a Django debug page is not.
SHOWN_CHARS = 1500
FOREIGN_STREAM = (
    "the store holds statements of the same ids from another version of the demo. Start "
    "from a fresh database (delete var/kipina.sqlite3, then make demo) or pick another --seed."
)

Say = Callable[[str], None]


class ReplayError(Exception):
    """The LRS refused a request or answered something the demo did not expect."""


def remote_lrs(endpoint: str, key: str, secret: str) -> RemoteLRS:
    return RemoteLRS(endpoint=endpoint, username=key, password=secret, version=XAPI_VERSION)


def _require(response: LRSResponse, doing: str) -> LRSResponse:
    if not response.success:
        body = response.data
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        if len(text) > SHOWN_CHARS:
            text = f"{text[:SHOWN_CHARS]}... ({len(text) - SHOWN_CHARS} more characters)"
        raise ReplayError(f"{doing}: the LRS answered {response.response.status}: {text}")
    return response


def _tincan(statement: dict[str, Any]) -> Statement:
    # tincan's constructors rewrite the dict they are given (objectType -> object_type), so
    # each gets its own copy and the generated statements stay valid xAPI.
    return Statement(copy.deepcopy(statement))


def batches(statements: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
    start, turn = 0, 0
    while start < len(statements):
        size = BATCH_SIZES[turn % len(BATCH_SIZES)]
        yield statements[start : start + size]
        start, turn = start + size, turn + 1


def statements_send(lrs: RemoteLRS, statements: Sequence[dict[str, Any]]) -> int:
    """POST the statements in batches, as an LMS flushes its queue; return the batch count."""
    sent = 0
    for batch in batches(statements):
        response = lrs.save_statements(StatementList([_tincan(s) for s in batch]))
        if response.response.status == 409:
            raise ReplayError(f"POST of batch {sent + 1} was refused (409): {FOREIGN_STREAM}")
        _require(response, f"POST of batch {sent + 1}")
        sent += 1
    return sent


def _first_stored(lrs: RemoteLRS, statement_id: str) -> datetime | None:
    response = lrs.retrieve_statement(statement_id)
    if response.response.status == 404:
        return None
    return _require(response, f"GET of statement {statement_id}").content.timestamp


def replay_day(lrs: RemoteLRS, *, seed: int, size: int, today: date) -> date:
    """The day an earlier replay into this store was anchored to, or `today` for a new store.

    Statement ids do not depend on the day but timestamps do, and the LRS refuses a known id
    with another timestamp (409). So a rerun on a later day regenerates the stream for the day
    whose first statement matches the stored one: at most WINDOW_DAYS candidates.
    """
    first = demo_traffic(seed=seed, today=today, size=size).statements[0]
    stored_at = _first_stored(lrs, first["id"])
    if stored_at is None or stored_at == parse_timestamp(first["timestamp"]):
        return today
    stored_day = stored_at.astimezone(HELSINKI).date()
    for days_after in range(1, WINDOW_DAYS + 1):
        day = stored_day + timedelta(days=days_after)
        candidate = demo_traffic(seed=seed, today=day, size=size).statements[0]
        if parse_timestamp(candidate["timestamp"]) == stored_at:
            return day
    raise ReplayError(f"statement {first['id']} is stored with another timestamp: {FOREIGN_STREAM}")


def statement_ids(lrs: RemoteLRS, query: dict[str, Any]) -> list[str]:
    """The ids a query returns, following `more` until it is exhausted."""
    result = _require(lrs.query_statements({**query, "limit": PAGE_SIZE}), "GET statements").content
    ids = [str(statement.id) for statement in result.statements]
    while result.more:
        result = _require(lrs.more_statements(result.more), f"GET {result.more}").content
        ids += [str(statement.id) for statement in result.statements]
    return ids


def _agent(identity: dict[str, Any]) -> Agent:
    if "mbox" in identity:
        return Agent(mbox=identity["mbox"])
    account = identity["account"]
    return Agent(account=AgentAccount(home_page=account["homePage"], name=account["name"]))


def learner_counts(lrs: RemoteLRS) -> dict[str, int]:
    """Statements per learner, summed over the identities each sender knows them by."""
    return {
        learner.name: sum(
            len(statement_ids(lrs, {"agent": _agent(a)})) for a in learner_agents(learner)
        )
        for learner in LEARNERS
    }


@dataclass(frozen=True)
class Voiding:
    target_id: str
    voiding_id: str
    listed_before: bool  # False when an earlier run voided it already
    listed_after: bool
    voiding_listed: bool
    voided_retrieved: bool


def _attempt_query(traffic: DemoTraffic, target_id: str) -> dict[str, Any]:
    target = next(s for s in traffic.statements if s["id"] == target_id)
    account = target["actor"]["account"]
    return {
        "agent": Agent(account=AgentAccount(home_page=account["homePage"], name=account["name"])),
        "verb": Verb(id=target["verb"]["id"]),
        "activity": Activity(id=target["object"]["id"]),
    }


def attempt_void(lrs: RemoteLRS, traffic: DemoTraffic) -> Voiding | None:
    """Void the accidental quiz attempt; check it leaves queries and stays retrievable.

    xAPI 1.0.3 Communication §2.1.3: a statement whose StatementRef target matches a filter
    matches it too, so the query for the attempt now lists the voiding statement instead.
    """
    if traffic.mistaken_attempt_id is None or traffic.voiding is None:
        return None
    target_id, voiding_id = traffic.mistaken_attempt_id, traffic.voiding["id"]
    query = _attempt_query(traffic, target_id)
    before = statement_ids(lrs, query)
    _require(
        lrs.save_statements(StatementList([_tincan(traffic.voiding)])),
        "POST of the voiding statement",
    )
    after = statement_ids(lrs, query)
    voided = _require(
        lrs.retrieve_voided_statement(target_id), f"GET voidedStatementId={target_id}"
    )
    return Voiding(
        target_id=target_id,
        voiding_id=voiding_id,
        listed_before=target_id in before,
        listed_after=target_id in after,
        voiding_listed=voiding_id in after,
        voided_retrieved=str(voided.content.id) == target_id,
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def latest_stored(lrs: RemoteLRS) -> datetime | None:
    """When the LRS stored its newest statement (a query lists the newest first)."""
    result = _require(lrs.query_statements({"limit": 1}), "GET statements?limit=1").content
    return result.statements[0].stored if result.statements else None


def demo_replay(lrs: RemoteLRS, *, seed: int, size: int, day: date, say: Say) -> int:
    """Replay the stream anchored to `day` (replay_day), void and count, saying what each
    step did; return the statements the LRS holds."""
    traffic = demo_traffic(seed=seed, today=day, size=size)
    started = time.monotonic()
    sent = statements_send(lrs, traffic.statements)
    senders = ", ".join(
        f"{name} {count}" for name, count in sender_counts(traffic.statements).items()
    )
    say(
        f"Replayed {len(traffic.statements)} statements of {len(LEARNERS)} learners over "
        f"{WINDOW_DAYS // 7} weeks with tincan in {_plural(sent, 'POST')} of 25-100 "
        f"({time.monotonic() - started:.1f} s): {senders}."
    )
    say("  Ids are fixed by the seed, so a second replay stores no second copies.")
    _say_voiding(attempt_void(lrs, traffic), say)
    return _say_counts(lrs, say)


def _say_voiding(voiding: Voiding | None, say: Say) -> None:
    if voiding is None:
        say("No accidental quiz attempt in a stream this small: nothing voided.")
        return
    if voiding.listed_after or not voiding.voiding_listed or not voiding.voided_retrieved:
        raise ReplayError(f"voiding did not behave as xAPI 1.0.3 Data §2.3.2 says: {voiding}")
    when = "" if voiding.listed_before else " (in an earlier run)"
    say(f"Voided the accidental quiz attempt {voiding.target_id}{when}:")
    say("  the attempt's query now lists the voiding statement in its place (§2.1.3),")
    say("  and retrieve_voided_statement still returns the attempt.")


def _say_counts(lrs: RemoteLRS, say: Say) -> int:
    total = len(statement_ids(lrs, {}))
    say(f"The LRS holds {total} statements for this client (tincan query, {PAGE_SIZE} a page):")
    for name, count in learner_counts(lrs).items():
        say(f"  {name:<18} {count:>4}")
    say("  (per learner: an agent query per identity; a voiding statement counts with its target)")
    return total
