"""HTTP Basic authentication of LRS clients.

Secrets are stored as Django password hashes (PBKDF2, hundreds of milliseconds to check by
design). An LMS sends its credentials with every request, so a successful check is
remembered in this process, keyed by the stored hash and a SHA-256 of the secret: rotating
the secret changes the stored hash, and the remembered check no longer applies.

Wrong secrets are counted per client key and address and per address (backend/ratelimit.py):
past the limits every attempt, right or wrong, is refused with 429 and Retry-After before
the secret is looked at, so guessing on gets no answer. Requests without credentials or with
malformed ones are refused without counting: they guess nothing.
"""

import base64
import binascii
import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable

from django.contrib.auth.hashers import check_password, make_password

from backend import ratelimit
from learning_records.http import XapiHttpError
from learning_records.models import LrsClient, Scope

CHALLENGE = {"WWW-Authenticate": 'Basic realm="Kipina xAPI", charset="UTF-8"'}
_REMEMBERED_MAX = 4096


_remembered: OrderedDict[tuple[str, bytes], None] = OrderedDict()
_remembered_lock = threading.Lock()


def client_authenticate(authorization: str | None, *, address: str) -> LrsClient:
    """The active client the Authorization header names, or a 401 refusal (429 after too
    many wrong secrets from `address`, the client address of backend.ratelimit)."""
    key, secret = _basic_credentials(authorization)
    client = (
        LrsClient.objects.select_related("organisation").filter(key=key, is_active=True).first()
    )
    if client is not None and _remembered_match(secret, client.secret_hash):
        # A secret this process has already checked is let in before the limits: someone
        # guessing at the key from a shared address (a NAT, an IPv6 /64) or an LMS node
        # still sending the old secret after a rotation must not lock the working LMS out.
        return client
    attempt = ratelimit.attempt_start(scope="xapi", account=key, address=address)
    if attempt.retry_after is not None:
        raise XapiHttpError(
            429,
            "too many failed authentications from this address: try again in "
            f"{attempt.retry_after} seconds",
            headers={"Retry-After": str(attempt.retry_after)},
        )
    if client is None:
        # Spend the same time as a real check, so response times do not tell which keys exist.
        check_password(secret, _dummy_hash())
        ratelimit.attempt_failed(attempt)
        raise XapiHttpError(401, "the key or secret is wrong", headers=CHALLENGE)
    if not _secret_matches(secret, client.secret_hash):
        ratelimit.attempt_failed(attempt)
        raise XapiHttpError(401, "the key or secret is wrong", headers=CHALLENGE)
    ratelimit.attempt_succeeded(attempt)
    return client


@functools.cache
def _dummy_hash() -> str:
    return make_password("kipina-timing-equaliser")


def _basic_credentials(authorization: str | None) -> tuple[str, str]:
    if not authorization:
        raise XapiHttpError(401, "authentication is required (HTTP Basic)", headers=CHALLENGE)
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise XapiHttpError(
            401, "the Authorization header must use the Basic scheme", headers=CHALLENGE
        )
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise XapiHttpError(
            401, "the Basic credentials are not valid base64 of UTF-8 text", headers=CHALLENGE
        ) from None
    key, colon, secret = decoded.partition(":")
    if "\x00" in decoded:
        # No key or secret has one, and PostgreSQL cannot compare text holding one.
        raise XapiHttpError(401, "the Basic credentials contain a NUL character", headers=CHALLENGE)
    if not colon or not key:
        raise XapiHttpError(401, "the Basic credentials must be key:secret", headers=CHALLENGE)
    return key, secret


def _remembered_match(secret: str, secret_hash: str) -> bool:
    with _remembered_lock:
        if (remembered := _remembered_key(secret, secret_hash)) in _remembered:
            _remembered.move_to_end(remembered)
            return True
    return False


def _secret_matches(secret: str, secret_hash: str) -> bool:
    """The slow check (a secret not remembered: client_authenticate looked first); a match
    is remembered for the next request."""
    if not check_password(secret, secret_hash):
        return False
    with _remembered_lock:
        _remembered[_remembered_key(secret, secret_hash)] = None
        if len(_remembered) > _REMEMBERED_MAX:
            _remembered.popitem(last=False)
    return True


def _remembered_key(secret: str, secret_hash: str) -> tuple[str, bytes]:
    return secret_hash, hashlib.sha256(secret.encode("utf-8")).digest()


def require_scope(client: LrsClient, scopes: Iterable[Scope], action: str) -> None:
    """403 unless the client has one of `scopes` (xAPI 1.0.3 Communication §4.2)."""
    allowed = list(scopes)
    if not client.has_any_scope(*allowed):
        names = ", ".join(scope.value for scope in allowed)
        raise XapiHttpError(
            403, f"this client may not {action}: that needs one of the scopes {names}"
        )
