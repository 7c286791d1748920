"""The statement queries of bench-query, with filter values drawn from stored statements.

Statements are drawn at random by row id, so an agent or activity is drawn as often as it
occurs: very active learners and popular activities come up more often, as they do in a
dashboard's traffic. Every query is one organisation's, asked with that organisation's
client.
"""

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import psycopg

PAGE = 100
Params = dict[str, str]


@dataclass(frozen=True)
class Drawn:
    """A stored statement, its organisation's slug, and the latest stored time there."""

    payload: dict[str, Any]
    slug: str
    latest: datetime


@dataclass(frozen=True)
class Query:
    kind: str
    slug: str
    path: str


def _agent(s: Drawn) -> Params | None:
    actor = s.payload["actor"]
    return {"agent": json.dumps({k: v for k, v in actor.items() if k != "name"})}


def _verb(s: Drawn) -> Params | None:
    return {"verb": s.payload["verb"]["id"]}


def _activity(s: Drawn) -> Params | None:
    target = s.payload["object"]
    return {"activity": target["id"]} if target.get("objectType") == "Activity" else None


def _registration(s: Drawn) -> Params | None:
    registration = s.payload.get("context", {}).get("registration")
    return {"registration": registration} if registration else None


def _since(s: Drawn) -> Params | None:
    # "What is new this week": a moment in the last 7 days of the store's traffic.
    since = s.latest - timedelta(days=7 * random.Random(s.payload["id"]).random())
    return {"since": since.isoformat()}


def _course(s: Drawn) -> Params | None:
    parents = s.payload.get("context", {}).get("contextActivities", {}).get("parent")
    return {"activity": parents[0]["id"], "related_activities": "true"} if parents else None


def _instructor(s: Drawn) -> Params | None:
    instructor = s.payload.get("context", {}).get("instructor")
    return {"agent": json.dumps(instructor), "related_agents": "true"} if instructor else None


KINDS: dict[str, Callable[[Drawn], Params | None]] = {
    "agent": _agent,
    "verb": _verb,
    "activity": _activity,
    "registration": _registration,
    "since (last 7 days)": _since,
    "activity (course), related_activities=true": _course,
    "agent (instructor), related_agents=true": _instructor,
}


def draw_statements(url: str, count: int, seed: int) -> list[Drawn]:
    """About `count` random stored statements (row ids drawn uniformly)."""
    rng = random.Random(seed)
    with psycopg.connect(url) as connection:
        low, high = connection.execute(
            "SELECT min(id), max(id) FROM learning_records_statement"
        ).fetchone() or (0, 0)
        latest: dict[str, datetime] = dict(
            connection.execute(
                "SELECT o.slug, max(s.stored) FROM learning_records_statement s "
                "JOIN network_organisation o ON o.id = s.organisation_id GROUP BY o.slug"
            ).fetchall()
        )
        ids = [rng.randint(low, high) for _ in range(count)]
        rows = connection.execute(
            "SELECT s.payload, o.slug FROM learning_records_statement s "
            "JOIN network_organisation o ON o.id = s.organisation_id WHERE s.id = ANY(%s)",
            [ids],
        ).fetchall()
    drawn = [Drawn(payload, slug, latest[slug]) for payload, slug in rows]
    rng.shuffle(drawn)
    return drawn


def queries(kind: str, drawn: list[Drawn], count: int) -> list[Query]:
    """`count` queries of one kind, from the first drawn statements that have its field."""
    found = []
    for statement in drawn:
        params = KINDS[kind](statement)
        if params is not None:
            path = f"/xapi/statements?{urlencode({**params, 'limit': str(PAGE)})}"
            found.append(Query(kind, statement.slug, path))
        if len(found) == count:
            break
    return found
