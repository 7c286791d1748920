"""GET /xapi/statements latency, one filter kind at a time, over the statements stored."""

import json
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from lrs import Lrs

PAGE = 100
Statement = dict[str, Any]


@dataclass(frozen=True)
class QueryLatency:
    kind: str
    latencies_ms: list[float]
    mean_returned: float


def _course(statement: Statement) -> str:
    parent = statement["context"]["contextActivities"]["parent"]
    return str((parent[0] if isinstance(parent, list) else parent)["id"])


# Each kind picks its filter values from a stored statement, so every query can match.
FILTERS: dict[str, Callable[[Statement], dict[str, str]]] = {
    "no filter": lambda _: {},
    "agent": lambda s: {"agent": json.dumps({"account": s["actor"]["account"]})},
    "verb": lambda s: {"verb": s["verb"]["id"]},
    "activity": lambda s: {"activity": s["object"]["id"]},
    "activity (course), related_activities=true": lambda s: {
        "activity": _course(s),
        "related_activities": "true",
    },
}


def filtered_latencies(
    lrs: Lrs, kind: str, stored: list[Statement], count: int, rng: random.Random
) -> QueryLatency:
    """`count` queries of one kind, each with the filter values of a random stored statement."""
    latencies, returned = [], []
    for _ in range(count):
        params = {**FILTERS[kind](rng.choice(stored)), "limit": str(PAGE)}
        seconds, answer = lrs.get_statements(f"/xapi/statements?{urlencode(params)}")
        latencies.append(seconds * 1000)
        returned.append(len(answer["statements"]))
    return QueryLatency(kind, latencies, statistics.mean(returned))


def more_latencies(lrs: Lrs, count: int) -> QueryLatency:
    """`count` follows of the `more` link, page after page through the whole store; the
    first page of each walk is not timed."""
    latencies: list[float] = []
    returned: list[int] = []
    more = ""
    while len(latencies) < count:
        if not more:
            _, answer = lrs.get_statements(f"/xapi/statements?limit={PAGE}")
        else:
            seconds, answer = lrs.get_statements(more)
            latencies.append(seconds * 1000)
            returned.append(len(answer["statements"]))
        more = answer["more"]
    return QueryLatency("`more` page follow", latencies, statistics.mean(returned))


def all_latencies(lrs: Lrs, stored: list[Statement], count: int) -> list[QueryLatency]:
    rng = random.Random(7)
    measured = [filtered_latencies(lrs, kind, stored, count, rng) for kind in FILTERS]
    return [*measured, more_latencies(lrs, count)]
