"""Limits on failed authentication: the LRS's HTTP Basic and the login pages.

Failures are counted, not requests, in Django's cache: Redis in production (shared by every
web process), locmem in development and the unit tests. Two limits apply at once: failures
for one account (an LRS client key or a username) from one client address, and a looser one
for the address whatever the account, so a guesser cannot spread over many accounts. An
account hammered from one address still logs in from another.

Two ways of counting, by what is guessed:
- A password (the login pages) is counted as failed before it is checked (one atomic
  increment per limit) and taken back if it is right, so guesses sent at once cannot pass
  a limit together: only as many are checked as the limit has left. A person logs in one
  attempt at a time, so an attempt in flight is never a legitimate one kept out.
- An LRS secret is checked first and counted only when wrong. Its 256 random bits make a
  few guesses past the limit worthless, while counting first would refuse an LMS whose
  many processes check its right secret at once (after a deploy, say).
An attempt refused for the limit is not counted, so retrying while waiting does not raise
the address's count for others behind it.

Windows are fixed and aligned to the clock: the key names the window's number, so the
Retry-After is known without reading a TTL back, and nothing needs cleaning up (keys expire).
A burst across a window's end can reach twice a limit; at the default 10 per 15 minutes
that still leaves guessing a password, let alone a 32-byte client secret, hopeless.

Accounts and addresses are hashed into the keys: the cache holds no usernames or IP
addresses, and a key stays short whatever an attacker sends as a username.

When the cache is unreachable the limits are not applied (and that is logged): statement
ingestion must keep working while Redis is down (docs/architecture.md).

We count in the cache ourselves rather than with django-axes: axes applies one limit to
every lockout parameter (no looser per-address limit), keeps its attempt log with usernames
and addresses in the database by default (personal data that erasure would have to find),
and does not cover the LRS, which does not go through Django's authenticate().
"""

import hashlib
import ipaddress
import logging
import math
import time
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    """One authentication attempt and the failures counted before it."""

    account_key: str
    address_key: str
    account_failures: int
    address_failures: int
    window_ends: float
    counted: bool = False  # counted as failed already (count_first, and the cache answered)

    @property
    def retry_after(self) -> int | None:
        """Seconds to wait when a limit is reached, else None."""
        if (
            self.account_failures < settings.KIPINA_AUTH_FAILURES_PER_ACCOUNT
            and self.address_failures < settings.KIPINA_AUTH_FAILURES_PER_ADDRESS
        ):
            return None
        return max(1, math.ceil(self.window_ends - time.time()))


def attempt_start(*, scope: str, account: str, address: str, count_first: bool = False) -> Attempt:
    """The failures counted so far for `account` from `address`; retry_after is set when a
    limit is reached (and the attempt then is not counted). With count_first the attempt is
    counted as failed now, until attempt_succeeded or attempt_withdrawn takes it back."""
    window: int = settings.KIPINA_AUTH_FAILURE_WINDOW_SECONDS
    number = int(time.time() // window)
    account_key = _key(scope, "account", number, f"{account.casefold()}\x00{address}")
    address_key = _key(scope, "address", number, address)
    ends = (number + 1) * window
    if not count_first:
        try:
            read = cache.get_many([account_key, address_key])
        except Exception:  # the cache is down: no limit rather than no logins or ingestion
            logger.warning("failed-authentication counts unavailable: the cache is unreachable")
            read = {}
        return Attempt(
            account_key,
            address_key,
            int(read.get(account_key, 0)),
            int(read.get(address_key, 0)),
            ends,
        )
    counts: dict[str, int] = {}
    try:
        for key in (account_key, address_key):
            counts[key] = _increment(key)
    except Exception:  # as above; and what was counted before the cache failed is taken back
        logger.warning("failed-authentication counts unavailable: the cache is unreachable")
        _take_back(*counts)
        return Attempt(account_key, address_key, 0, 0, ends)
    attempt = Attempt(
        account_key, address_key, counts[account_key] - 1, counts[address_key] - 1, ends, True
    )
    if attempt.retry_after is not None:
        _take_back(account_key, address_key)
        return replace(attempt, counted=False)
    return attempt


def attempt_failed(attempt: Attempt) -> None:
    """Count a failed attempt against the account and the address (unless counted first)."""
    if attempt.counted:
        return
    try:
        for key in (attempt.account_key, attempt.address_key):
            _increment(key)
    except Exception:
        logger.warning("a failed authentication was not counted: the cache is unreachable")


def attempt_succeeded(attempt: Attempt) -> None:
    """Forget the account's failures from this address, and take an attempt counted first
    back from the address's count (not the rest of it: a guesser who also knows one
    password must not wipe the count of their guesses at others)."""
    if attempt.account_failures == 0 and not attempt.counted:
        return  # the usual case for an LRS secret, and no cache write on it
    try:
        cache.delete(attempt.account_key)
    except Exception:
        logger.warning("failed-authentication count not reset: the cache is unreachable")
    if attempt.counted:
        _take_back(attempt.address_key)


def attempt_withdrawn(attempt: Attempt) -> None:
    """Take back an attempt counted first whose check could not be made (an error)."""
    if attempt.counted:
        _take_back(attempt.account_key, attempt.address_key)


def _increment(key: str) -> int:
    # The key outlives its window a little, so a clock at the window's end still reads it.
    timeout = settings.KIPINA_AUTH_FAILURE_WINDOW_SECONDS + 60
    for _ in range(3):
        cache.add(key, 0, timeout=timeout)  # a no-op when the key exists
        try:
            count: int = cache.incr(key)  # atomic in Redis and locmem
        except ValueError:  # it expired between the two calls
            continue
        if count == 1:
            # Django's Redis incr is EXISTS then INCRBY: a key expiring between the two comes
            # back without an expiry. Cheap to repair, as it happens on a window's first only.
            cache.touch(key, timeout)
        return count
    raise RuntimeError(f"the failure count {key} kept expiring")


def _take_back(*keys: str) -> None:
    for key in keys:
        try:
            if cache.decr(key) < 0:  # it expired meanwhile and came back without an expiry
                cache.delete(key)
        except ValueError:
            pass  # the window's key has expired: nothing to take back
        except Exception:
            logger.warning("failed-authentication count not taken back: the cache is unreachable")


def client_address(request: HttpRequest) -> str:
    """The address failures are counted against: the peer's, or, behind
    KIPINA_TRUSTED_PROXY_COUNT proxies, the one the outermost of them saw. IPv6 addresses
    count by their /64, which is what one subscriber is usually given."""
    proxies: int = settings.KIPINA_TRUSTED_PROXY_COUNT
    address = request.META.get("REMOTE_ADDR", "")
    if proxies:
        # Each trusted proxy appends the address it saw; what is left of those came from
        # the client and may be forged, so it is never used.
        forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [hop for hop in forwarded if hop]
        if len(forwarded) >= proxies:
            address = _without_port(forwarded[-proxies])
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)


def _without_port(hop: str) -> str:
    # Some balancers write "203.0.113.7:51234" or "[2001:db8::1]:51234": a new port on each
    # connection would make each guess count against a new address.
    if hop.startswith("[") and "]" in hop:
        return hop[1 : hop.index("]")]
    if hop.count(":") == 1:
        return hop.partition(":")[0]
    return hop


def _key(scope: str, limit: str, number: int, value: str) -> str:
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"authfail:{scope}:{limit}:{number}:{digest}"
