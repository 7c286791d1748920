"""Erasure of a person on an administrator's request (GDPR Art. 17): the one entry point
the admin action and the management command call.

One transaction per person: a person's rows are bounded (statements are rewritten a chunk
at a time inside it), and all-or-nothing means a failed erasure leaves nothing half done
to resume; running it again for an erased person finds nobody and does nothing. Each room
erases its own tables through its privacy module, downstream rooms first so that no
database cascade reaches across a room; the LRS deletes or pseudonymises the statements
(learning_records/erasure.py). What is kept is an ErasureRecord: a random id, the time, who
asked, and counts per table.
"""

import datetime as dt
import uuid
from collections import Counter

from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q

from engagement.badges.privacy import badges_erase
from engagement.events.privacy import registrations_erase
from engagement.membership.privacy import contact_erase
from engagement.needs.privacy import employer_links_erase
from engagement.network import privacy as directory
from engagement.network.models import Person
from engagement.privacy.models import ErasureRecord
from engagement.progress.privacy import progress_erase
from engagement.rules.privacy import decisions_erase
from learning_records.erasure import agents_erase
from notifications.privacy import deliveries_erase

_SESSIONS_CHUNK = 1000


@transaction.atomic
def person_erase(
    *, person_id: int, requested_by: User | None, now: dt.datetime
) -> ErasureRecord | None:
    """Erase the person everywhere; None if there is no such person (already erased)."""
    # The row lock makes two administrators' simultaneous requests erase once.
    person = Person.objects.select_for_update().filter(pk=person_id).first()
    if person is None:
        return None
    keys = directory.agent_keys_of(person)
    full_name = f"{person.given_name} {person.family_name}"
    email, user = person.email, person.user
    counts: Counter[str] = Counter()
    counts.update(progress_erase(person=person, agent_keys=keys))
    counts.update(agents_erase(agent_keys=keys, pseudonym=uuid.uuid4().hex))
    counts.update(badges_erase(person=person, now=now))
    counts.update(deliveries_erase(person=person, full_name=full_name))
    counts.update(decisions_erase(person=person))
    counts.update(registrations_erase(person=person))
    counts.update(employer_links_erase(person=person))
    counts.update(contact_erase(email=email))
    counts.update(
        _admin_history_erase(person=person, user=user, names=[full_name, email, *sorted(keys)])
    )
    counts.update(directory.person_erase(person=person))
    if user is not None:
        counts.update(_login_erase(user=user, now=now))
        if requested_by is not None and requested_by.pk == user.pk:
            requested_by = None
    return ErasureRecord.objects.create(
        erased_at=now,
        requested_by=requested_by,
        counts={table: rows for table, rows in sorted(counts.items()) if rows},
    )


def _admin_history_erase(*, person: Person, user: User | None, names: list[str]) -> Counter[str]:
    """The admin's change history names the objects it changed ("Aino Virtanen", an
    identity's mailto: key, "Aino Virtanen on <pathway>"): those entries go."""
    about = Q(content_type=ContentType.objects.get_for_model(Person), object_id=str(person.pk))
    if user is not None:
        about |= Q(content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk))
    for name in filter(None, (n.strip() for n in names)):
        about |= Q(object_repr__icontains=name) | Q(change_message__icontains=name)
    return Counter(LogEntry.objects.filter(about).delete()[1])


def _login_erase(*, user: User, now: dt.datetime) -> Counter[str]:
    """Delete the login and its sessions. Sessions are found by decoding them (the store
    keeps the user id only inside the signed data), live ones only, a chunk at a time."""
    live = Session.objects.filter(expire_date__gt=now).order_by("session_key")
    after = ""
    ended = 0
    while chunk := list(live.filter(session_key__gt=after)[:_SESSIONS_CHUNK]):
        theirs = [
            s.session_key for s in chunk if s.get_decoded().get("_auth_user_id") == str(user.pk)
        ]
        ended += Session.objects.filter(session_key__in=theirs).delete()[0]
        after = chunk[-1].session_key
    counts: Counter[str] = Counter({"sessions.Session": ended})
    counts.update(user.delete()[1])
    return counts
