"""Signed links in e-mails: one-click unsubscribe (RFC 8058) without a login.

The token names the person and the topic and is signed with the secret key (salted, so a
token of another feature never passes here). It does not expire: an unsubscribe link in a
year-old e-mail must still work.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from notifications.models import Topic

UNSUBSCRIBE_SALT = "kipina.notifications.unsubscribe"


def unsubscribe_token(*, person_id: int, topic: str) -> str:
    return signing.dumps({"p": person_id, "t": topic}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(*, person_id: int, topic: str) -> str:
    token = unsubscribe_token(person_id=person_id, topic=topic)
    return settings.KIPINA_PUBLIC_URL + reverse("notifications-unsubscribe", args=[token])


def unsubscribe_target(token: str) -> tuple[int, str] | None:
    """(person id, topic) of a genuine token; None for a forged, altered or odd one."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    person_id, topic = payload.get("p"), payload.get("t")
    if type(person_id) is not int or topic not in Topic.values:
        return None
    return person_id, topic


# --- The preference page ---------------------------------------------------------------------

PREFERENCES_SALT = "kipina.notifications.preferences"
# Unlike an unsubscribe link, the page shows and changes every preference, so its link
# expires: settings.KIPINA_NOTIFY_PREFERENCE_LINK_MAX_AGE_DAYS after it was made.


def preference_link_max_age_days() -> int:
    days: int = settings.KIPINA_NOTIFY_PREFERENCE_LINK_MAX_AGE_DAYS
    return days


def preference_token(*, person_id: int) -> str:
    return signing.dumps({"p": person_id}, salt=PREFERENCES_SALT)


def preference_url(*, person_id: int) -> str:
    token = preference_token(person_id=person_id)
    return settings.KIPINA_PUBLIC_URL + reverse("notifications-preferences", args=[token])


def preference_target(token: str) -> int | None:
    """The person id of a genuine, unexpired token; None for a forged, altered, expired or
    odd one."""
    try:
        payload = signing.loads(
            token, salt=PREFERENCES_SALT, max_age=preference_link_max_age_days() * 86400
        )
    except signing.BadSignature:  # SignatureExpired is one
        return None
    if not isinstance(payload, dict):
        return None
    person_id = payload.get("p")
    return person_id if type(person_id) is int else None
