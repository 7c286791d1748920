"""Where CPU time and memory go, read from /proc while a benchmark runs.

CPU time is utime + stime of /proc/<pid>/stat. A sampler thread reads the processes of
each group every SAMPLE_SECONDS (looking for new ones every FIND_SECONDS) and keeps the
latest reading per pid, so a process that starts during the window counts from zero and
one that ends keeps what it had used at the last sample (at most SAMPLE_SECONDS of it is
lost). The benchmark's own process is read with getrusage, which counts all its threads;
the sampler thread's own CPU time is taken out of it.
"""

import os
import resource
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_SECONDS = 0.25
FIND_SECONDS = 1.0  # finding pids reads every /proc/<pid>/cmdline: not at every sample
_TICKS = os.sysconf("SC_CLK_TCK")
PidFinder = Callable[[], list[int]]


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None  # the process has ended
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return 0.0


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def machine_busy_seconds() -> tuple[float, float]:
    """CPU seconds of all cores since boot: (busy, idle); idle includes I/O wait."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / _TICKS, idle / _TICKS


def postgres_pids(database: str) -> tuple[list[int], list[int]]:
    """(client backends connected to `database`, PostgreSQL's background processes: WAL
    writer, checkpointer, background writer, autovacuum of `database`); backends of other
    databases are left out."""
    backends, background = [], []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            title = cmdline.read_bytes().decode(errors="replace").strip("\0 ")
        except OSError:
            continue
        if not title.startswith("postgres: "):
            continue
        words = title.split()
        client = any(w.startswith(("127.0.0.1(", "[local]", "::1(")) for w in words)
        pid = int(cmdline.parent.name)
        if client and database in words:
            backends.append(pid)
        elif not client and ("autovacuum worker" not in title or database in words):
            background.append(pid)
    return backends, background


@dataclass
class CpuMeter:
    """CPU seconds each group of processes used between start() and stop()."""

    groups: dict[str, PidFinder]
    used: dict[str, float] = field(default_factory=dict)
    own_seconds: float = 0.0
    machine_busy: float = 0.0
    machine_idle: float = 0.0
    _first: dict[int, float] = field(default_factory=dict)
    _sampler_seconds: float = 0.0
    _latest: dict[str, dict[int, float]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._latest = {name: {} for name in self.groups}
        for name, finder in self.groups.items():
            for pid in finder():
                self._first[pid] = self._latest[name][pid] = cpu_seconds(pid) or 0.0
        self._own, (self._busy, self._idle) = own_cpu_seconds(), machine_busy_seconds()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._read(find=True)
        self.own_seconds = own_cpu_seconds() - self._own - self._sampler_seconds
        busy, idle = machine_busy_seconds()
        self.machine_busy, self.machine_idle = busy - self._busy, idle - self._idle
        self.used = {
            name: sum(seconds - self._first.get(pid, 0.0) for pid, seconds in latest.items())
            for name, latest in self._latest.items()
        }

    def _sample(self) -> None:
        found_at = time.monotonic()
        while not self._stop.wait(SAMPLE_SECONDS):
            find = time.monotonic() - found_at >= FIND_SECONDS
            self._read(find)
            found_at = time.monotonic() if find else found_at
        self._sampler_seconds = time.thread_time()

    def _read(self, find: bool) -> None:
        for name, finder in self.groups.items():
            latest = self._latest[name]
            for pid in set(finder()) - set(latest) if find else ():
                latest[pid] = 0.0  # started during the window: all its time counts
            for pid in latest:
                seconds = cpu_seconds(pid)
                if seconds is not None:
                    latest[pid] = seconds


@dataclass
class RssSampler:
    """The resident memory of the largest of some processes, every 50 ms until stopped."""

    pids: list[int]
    samples: list[float] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def now(self) -> float:
        return max(rss_mb(pid) for pid in self.pids)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _sample(self) -> None:
        while True:
            self.samples.append(self.now())
            if self._stop.wait(0.05):
                return
