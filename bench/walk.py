"""Timed statement queries over HTTP, and a walk through a whole store by `more` links
while the workers' memory is sampled."""

import statistics
import time
from dataclasses import dataclass, field

from lrs import Lrs
from processes import RssSampler
from query_kinds import PAGE, Query
from server import Server

CHECKPOINT_PAGES = 500
DEEP_PAGE = 1000  # the `more` link whose plan is shown: this many pages into the first store


@dataclass(frozen=True)
class KindLatency:
    kind: str
    latencies_ms: list[float]
    mean_returned: float
    queries: tuple[Query, ...] = ()

    def at_p95(self) -> Query:
        """The query whose latency was the 95th percentile of its kind's."""
        order = sorted(range(len(self.queries)), key=lambda i: self.latencies_ms[i])
        return self.queries[order[round(0.95 * (len(order) - 1))]]


def timed_queries(kind: str, queries: list[Query], clients: dict[str, Lrs]) -> KindLatency:
    latencies, returned = [], []
    for query in queries:
        seconds, answer = clients[query.slug].get_statements(query.path)
        latencies.append(seconds * 1000)
        returned.append(len(answer["statements"]))
    return KindLatency(kind, latencies, statistics.mean(returned), tuple(queries))


@dataclass
class Walk:
    """Every page of each store, newest first, by following `more` until it is empty."""

    statements: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    rss_before_mb: float = 0.0
    rss_peak_mb: float = 0.0
    rss_after_mb: float = 0.0
    checkpoints: list[tuple[int, float]] = field(default_factory=list)  # (statements, MB)
    deep_more: str = ""  # the `more` link DEEP_PAGE pages into the first store
    deep_slug: str = ""
    stopped_early: bool = False


def walk_stores(server: Server, clients: dict[str, Lrs], limit: int | None) -> Walk:
    """Follow `more` links through every store, up to `limit` statements in all."""
    walk = Walk()
    sampler = RssSampler(server.worker_pids())
    walk.rss_before_mb = sampler.now()
    started = time.perf_counter()
    sampler.start()
    for slug, lrs in clients.items():
        if not _walk_store(walk, slug, lrs, sampler, limit):
            walk.stopped_early = True
            break
    sampler.stop()
    walk.seconds = time.perf_counter() - started
    walk.rss_peak_mb, walk.rss_after_mb = max(sampler.samples), sampler.now()
    return walk


def _walk_store(walk: Walk, slug: str, lrs: Lrs, sampler: RssSampler, limit: int | None) -> bool:
    """False when the limit stopped the walk."""
    _, answer = lrs.get_statements(f"/xapi/statements?limit={PAGE}")
    walk.statements += len(answer["statements"])
    pages = 0
    while answer["more"]:
        if limit is not None and walk.statements >= limit:
            return False
        more = answer["more"]
        seconds, answer = lrs.get_statements(more)
        walk.latencies_ms.append(seconds * 1000)
        walk.statements += len(answer["statements"])
        pages += 1
        if pages <= DEEP_PAGE and walk.deep_slug in ("", slug):
            walk.deep_more, walk.deep_slug = more, slug
        if len(walk.latencies_ms) % CHECKPOINT_PAGES == 0:
            walk.checkpoints.append((walk.statements, sampler.now()))
    return True
