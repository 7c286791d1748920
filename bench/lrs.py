"""Timed requests to the LRS over loopback (http.client: a new connection a request)."""

import base64
import json
import time
from dataclasses import dataclass
from http.client import HTTPConnection
from typing import Any

from server import KEY, SECRET, Server

TIMEOUT_SECONDS = 300


class LrsRefused(Exception):
    """The LRS answered with an error status."""


@dataclass(frozen=True)
class Lrs:
    host: str
    port: int
    key: str = KEY
    secret: str = SECRET

    @classmethod
    def of(cls, server: Server, key: str = KEY, secret: str = SECRET) -> "Lrs":
        return cls(server.host, server.port, key, secret)

    def post_statements(self, body: bytes) -> float:
        """Seconds from sending the batch to having read the answer with its ids."""
        seconds, _ = self._request("POST", "/xapi/statements", body)
        return seconds

    def get_statements(self, path: str) -> tuple[float, dict[str, Any]]:
        """Seconds to the whole answer, and the answer: {"statements": [...], "more": ...}."""
        seconds, answer = self._request("GET", path, None)
        result: dict[str, Any] = json.loads(answer)
        return seconds, result

    def _request(self, method: str, path: str, body: bytes | None) -> tuple[float, bytes]:
        connection = HTTPConnection(self.host, self.port, timeout=TIMEOUT_SECONDS)
        try:
            started = time.perf_counter()
            connection.request(method, path, body, headers=self._headers())
            response = connection.getresponse()
            answer = response.read()
            seconds = time.perf_counter() - started
        finally:
            connection.close()
        if response.status != 200:
            raise LrsRefused(f"{method} {path[:80]}: {response.status} {answer[:500]!r}")
        return seconds, answer

    def _headers(self) -> dict[str, str]:
        basic = base64.b64encode(f"{self.key}:{self.secret}".encode()).decode()
        return {
            "Authorization": f"Basic {basic}",
            "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json",
        }
