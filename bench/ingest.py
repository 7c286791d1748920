"""Ingest through the live server: one large batch, then many small ones in parallel."""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from lrs import Lrs
from server import Server, peak_rss_mb


@dataclass(frozen=True)
class BatchPost:
    statements: int
    body_bytes: int
    seconds: float
    workers_peak_rss_mb: float
    workers_peak_rss_before_mb: float

    @property
    def statements_per_second(self) -> float:
        return self.statements / self.seconds


@dataclass(frozen=True)
class SustainedIngest:
    statements: int
    seconds: float
    latencies_ms: list[float]

    @property
    def statements_per_second(self) -> float:
        return self.statements / self.seconds


def compact_json(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


def post_one_batch(lrs: Lrs, server: Server, batch: list[dict[str, Any]]) -> BatchPost:
    """One POST of the whole batch, and how far it raised the workers' peak memory."""
    body = compact_json(batch)
    workers = server.worker_pids()
    before = peak_rss_mb(workers)
    seconds = lrs.post_statements(body)
    return BatchPost(len(batch), len(body), seconds, peak_rss_mb(workers), before)


def ingest_concurrently(
    lrs: Lrs, batches: list[list[dict[str, Any]]], threads: int
) -> SustainedIngest:
    """Every batch POSTed once, `threads` requests at a time; bodies are encoded up front."""
    bodies = [compact_json(batch) for batch in batches]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        seconds = list(pool.map(lrs.post_statements, bodies))
    elapsed = time.perf_counter() - started
    statements = sum(len(batch) for batch in batches)
    return SustainedIngest(statements, elapsed, [s * 1000 for s in seconds])


def warm_up(lrs: Lrs, requests: int = 30, threads: int = 6) -> None:
    """Small GETs from several threads, so each worker has checked the client's secret once
    (PBKDF2, remembered a process) before anything is timed."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(lambda _: lrs.get_statements("/xapi/statements?limit=1"), range(requests)))
