"""The export download, shared by the learner's page (/me/export.json) and the API."""

import datetime as dt

from django.http import StreamingHttpResponse

from engagement.network.models import Person
from engagement.privacy.export import archive_chunks


def export_response(*, person: Person, now: dt.datetime) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        archive_chunks(person=person, now=now), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="kipina-my-data-{now.date().isoformat()}.json"'
    )
    response["Cache-Control"] = "private, no-store"
    return response
