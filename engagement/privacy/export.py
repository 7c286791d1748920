"""A person's full export (GDPR Art. 15 and 20) as one JSON document, streamed.

One JSON document rather than a zip of files: it is one download a person can open in any
text editor and any program can read, it streams (the zip's central directory would have
to wait for the end), and statements and documents are JSON already. Binary document
content is base64 inside it. Each room supplies its own part (its privacy module); the
statements, the one part that can be large, come last, a chunk at a time, so memory stays
bounded by a chunk whatever the person's history.
"""

import base64
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from engagement.badges.privacy import badges_export
from engagement.events.privacy import registrations_export
from engagement.membership.privacy import applications_export
from engagement.needs.privacy import employer_links_export
from engagement.network.models import Enrolment, Person
from engagement.network.privacy import (
    agent_keys_of,
    consents_export,
    enrolments_of,
    person_export,
)
from engagement.progress.privacy import progress_export
from engagement.rules.privacy import decisions_export, study_plan_export
from learning_records.erasure import agents_replaced
from learning_records.models import Document, Statement
from learning_records.selectors import documents_of_agents, statements_mentioning
from notifications.privacy import deliveries_export, preferences_export

FORMAT = "kipina-personal-data/1"
ANOTHER_PERSON = {"objectType": "Agent", "name": "another person"}
# Statements read per query while streaming.
CHUNK = 500

_encoder = DjangoJSONEncoder(ensure_ascii=False)


def archive_chunks(*, person: Person, now: dt.datetime) -> Iterator[str]:
    """The export's JSON text, in pieces to write out one after another."""
    keys = agent_keys_of(person)
    yield "{"
    yield from _members(_sections(person, now))
    yield ',\n"documents": '
    yield from _array(_document(d) for d in documents_of_agents(agent_keys=keys))
    yield ',\n"statements": '
    yield from _array(
        _statement(s, keys)
        for chunk in statements_mentioning(agent_keys=keys, chunk=CHUNK)
        for s in chunk
    )
    yield "}\n"


def archive(*, person: Person, now: dt.datetime) -> dict[str, Any]:
    """The export as one object (the tests and the management command read it whole)."""
    document: dict[str, Any] = json.loads("".join(archive_chunks(person=person, now=now)))
    return document


def _sections(person: Person, now: dt.datetime) -> Iterator[tuple[str, Any]]:
    progress = progress_export(person)
    yield "format", FORMAT
    yield "exported_at", now
    yield "person", person_export(person)
    yield "enrolments", [_enrolment(e, progress["enrolments"]) for e in enrolments_of(person)]
    yield "milestone_progress", progress["milestones"]
    yield "progress_events", progress["events"]
    yield "study_plan", study_plan_export(person)
    yield "decisions", decisions_export(person)
    yield "notifications", deliveries_export(person)
    yield "preferences", preferences_export(person)
    yield "badges", badges_export(person)
    yield "consents", consents_export(person)
    yield "event_registrations", registrations_export(person)
    yield "employer_links", employer_links_export(person)
    yield "membership_applications", applications_export(person.email)


def _members(sections: Iterable[tuple[str, Any]]) -> Iterator[str]:
    for position, (name, value) in enumerate(sections):
        yield ("\n" if position == 0 else ",\n") + json.dumps(name) + ": " + _encoder.encode(value)


def _array(items: Iterable[dict[str, Any]]) -> Iterator[str]:
    yield "["
    for position, item in enumerate(items):
        yield ("\n" if position == 0 else ",\n") + _encoder.encode(item)
    yield "]"


def _enrolment(enrolment: Enrolment, progress: dict[int, dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": enrolment.pk,
        "pathway": enrolment.pathway.title_en,
        "status": enrolment.status,
        "started_on": enrolment.started_on,
        "target_on": enrolment.target_on,
        "sponsor": enrolment.sponsor.name_en if enrolment.sponsor else None,
        "cohorts": [c.name for c in enrolment.cohorts.all()],
        "progress": progress.get(enrolment.pk),
    }


def _statement(statement: Statement, keys: set[str]) -> dict[str, Any]:
    """The statement as stored, with every other person in it left out (GDPR Art. 15(4)):
    in her own records too (a team she worked in, a peer she reviewed), not only in another
    person's record she taught in. The authority is the LMS that sent it, not a person."""
    payload = {
        part: value
        if part == "authority"
        else agents_replaced(value, lambda key: key not in keys, ANOTHER_PERSON)
        for part, value in statement.payload.items()
    }
    return {
        "store": statement.organisation.slug,
        "stored": statement.stored,
        "voided": statement.voided,
        "statement": payload,
    }


def _document(document: Document) -> dict[str, Any]:
    content = bytes(document.content)
    body: dict[str, Any]
    if document.parsed is not None:
        body = {"json": document.parsed}
    else:
        try:
            body = {"text": content.decode("utf-8")}
        except UnicodeDecodeError:
            body = {"base64": base64.b64encode(content).decode("ascii")}
    return {
        "store": document.organisation.slug,
        "resource": document.kind,
        "activity": document.activity_iri or None,
        "registration": document.registration,
        "document_id": document.document_id,
        "content_type": document.content_type,
        "updated": document.updated,
        "content": body,
    }
