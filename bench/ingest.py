"""Ingest through the live server: one large batch, then many small ones in parallel
(all of them, or as many as a fixed time allows)."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from lrs import Lrs, LrsRefused
from processes import CpuMeter, RssSampler
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


@dataclass(frozen=True)
class TimedIngest:
    """What `clients` concurrent clients stored in a fixed time, and what it cost the CPUs."""

    statements: int
    requests: int
    refused: list[str]
    seconds: float
    latencies_ms: list[float]
    cpu: CpuMeter
    ran_out: bool  # every prepared batch was sent before the time was up

    @property
    def statements_per_second(self) -> float:
        return self.statements / self.seconds


def ingest_for(
    lrs: Lrs, bodies: list[tuple[int, bytes]], clients: int, seconds: float, cpu: CpuMeter
) -> TimedIngest:
    """(statement count, body) POSTed by `clients` threads, each sending its next body as
    soon as the previous one is answered, until `seconds` have passed; the requests still
    in flight then are waited for and counted."""
    pending, lock = iter(bodies), threading.Lock()
    latencies: list[float] = []
    refused: list[str] = []
    stored = [0]
    deadline = time.perf_counter() + seconds

    def client() -> None:
        while time.perf_counter() < deadline:
            with lock:
                item = next(pending, None)
            if item is None:
                return
            count, body = item
            try:
                latency = lrs.post_statements(body)
            except LrsRefused as refusal:
                with lock:
                    refused.append(str(refusal)[:200])
                continue
            with lock:
                latencies.append(latency * 1000)
                stored[0] += count

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    cpu.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cpu.stop()
    ran_out = next(pending, None) is None
    requests = len(latencies) + len(refused)
    return TimedIngest(stored[0], requests, refused, elapsed, latencies, cpu, ran_out)


@dataclass(frozen=True)
class SampledPost:
    """One POST, with the resident memory of the largest worker before, during and after."""

    statements: int
    body_bytes: int
    seconds: float
    rss_before_mb: float
    rss_peak_mb: float
    rss_after_mb: float

    @property
    def statements_per_second(self) -> float:
        return self.statements / self.seconds


def post_sampled(lrs: Lrs, server: Server, batch: list[dict[str, Any]]) -> SampledPost:
    body = compact_json(batch)
    sampler = RssSampler(server.worker_pids())
    before = sampler.now()
    sampler.start()
    seconds = lrs.post_statements(body)
    sampler.stop()
    time.sleep(1)  # what the worker keeps once the response is out
    return SampledPost(len(batch), len(body), seconds, before, max(sampler.samples), sampler.now())
