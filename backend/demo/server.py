"""The demo's web server: Django's runserver as a child process of the demo command."""

import collections
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self

READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
# Lines of server output kept to show when the server fails to start.
OUTPUT_KEPT = 200


class ServerError(Exception):
    """The server could not be started, or did not answer."""


def client_host(host: str) -> str:
    """Where to reach a server bound to `host`: a wildcard address is reached on loopback
    (and "0.0.0.0" would also fail Django's ALLOWED_HOSTS check)."""
    return {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104


def base_url(host: str, port: int) -> str:
    reachable = client_host(host)
    return f"http://[{reachable}]:{port}/" if ":" in reachable else f"http://{reachable}:{port}/"


def port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As runserver binds: a port left in TIME_WAIT by an earlier run counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


class DemoServer:
    """`manage.py runserver HOST:PORT --noreload`, started, awaited and stopped.

    Its output is read by a thread: kept quietly while the demo prints its steps (shown if
    the server fails), then echoed once `echo()` is called, so the request log follows.
    """

    def __init__(self, host: str, port: int, base_dir: Path, write: Callable[[str], None]) -> None:
        self.host, self.port, self.base_dir, self.write = host, port, base_dir, write
        self.url = base_url(host, port)
        self.process: subprocess.Popen[str] | None = None
        self._output: collections.deque[str] = collections.deque(maxlen=OUTPUT_KEPT)
        self._echo = threading.Event()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        if not port_free(self.host, self.port):
            raise ServerError(
                f"Port {self.port} on {self.host} is already in use. Stop what is using it, or "
                f"choose another port: make demo PORT={self.port + 1} "
                f"(or manage.py demo --port {self.port + 1})."
            )
        address = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.setdefault("KIPINA_PUBLIC_URL", self.url.rstrip("/"))
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
            [sys.executable, str(self.base_dir / "manage.py"), "runserver", address, "--noreload"],
            cwd=self.base_dir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        threading.Thread(target=self._read, name="demo-server-output", daemon=True).start()

    def _read(self) -> None:
        for line in self._running().stdout or ():
            self._output.append(line)
            if self._echo.is_set():
                self.write(line.rstrip("\n"))

    def output(self) -> str:
        return "".join(self._output)

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> float:
        """Seconds until GET /xapi/about answers; ServerError with the output otherwise."""
        process = self._running()
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if process.poll() is not None:
                raise ServerError(
                    f"The web server exited with code {process.returncode}:\n{self.output()}"
                )
            if _answers(f"{self.url}xapi/about"):
                return time.monotonic() - started
            time.sleep(0.2)
        raise ServerError(
            f"The web server did not answer {self.url}xapi/about within {timeout:.0f} s:\n"
            f"{self.output()}"
        )

    def echo(self) -> None:
        self._echo.set()

    def wait(self) -> int:
        return self._running().wait()

    def _running(self) -> "subprocess.Popen[str]":
        if self.process is None:
            raise ServerError("the web server was not started")
        return self.process

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (http to ourselves)
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False
