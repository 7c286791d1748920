"""Database sessions whose table holds a digest of each session key, not the key.

The key in the cookie is what logs a browser in; Django's database backend stores it as it
is, so whoever reads the table (a backup, a replica, a leaked dump) could log in as anyone
signed in. Here the row is found by a BLAKE2b digest of the cookie's key: the cookie still
works, the table alone does not. Everything else is Django's backend (expiry, cycling the
key at login, clearsessions). Switching to it signs everybody out once: their rows are
under the plain keys.
"""

import hashlib
from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone


def key_digest(session_key: str | None) -> str | None:
    """What the table stores for `session_key`: 40 hex digits, the column's length."""
    if session_key is None:
        return None
    return hashlib.blake2b(session_key.encode("ascii", "replace"), digest_size=20).hexdigest()


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> AbstractBaseSession | None:
        try:
            return self.model.objects.get(
                session_key=key_digest(self.session_key), expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation):
            self._session_key = None
            return None

    async def _aget_session_from_db(self) -> AbstractBaseSession | None:
        try:
            return await self.model.objects.aget(
                session_key=key_digest(self.session_key), expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation):
            self._session_key = None
            return None

    def exists(self, session_key: str) -> bool:
        return self.model.objects.filter(session_key=key_digest(session_key)).exists()

    async def aexists(self, session_key: str) -> bool:
        return await self.model.objects.filter(session_key=key_digest(session_key)).aexists()

    def create_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        stored = super().create_model_instance(data)
        stored.session_key = key_digest(stored.session_key) or ""
        return stored

    async def acreate_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        stored = await super().acreate_model_instance(data)
        stored.session_key = key_digest(stored.session_key) or ""
        return stored

    def delete(self, session_key: str | None = None) -> None:
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        self.model.objects.filter(session_key=key_digest(session_key)).delete()

    async def adelete(self, session_key: str | None = None) -> None:
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        await self.model.objects.filter(session_key=key_digest(session_key)).adelete()
