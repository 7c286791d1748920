"""Open edX backfills post 10,000 statements at once; such a batch fits the default limit."""

import json
import uuid

import pytest

from learning_records.models import Statement

pytestmark = pytest.mark.django_db

STATEMENTS = "/xapi/statements"


def video_played(index: int) -> dict:
    """A compact Open edX video statement, as event-routing-backends sends it."""
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"played-{index}")),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "https://courses.example.fi", "name": f"learner-{index % 300}"},
        },
        "verb": {"id": "https://w3id.org/xapi/video/verbs/played", "display": {"en": "played"}},
        "object": {
            "objectType": "Activity",
            "id": f"https://courses.example.fi/xblock/block-v1:BAT101+video@{index % 40}",
            "definition": {"type": "https://w3id.org/xapi/video/activity-type/video"},
        },
        "result": {"extensions": {"https://w3id.org/xapi/video/extensions/time": index % 600}},
        "timestamp": "2026-04-01T10:00:00.000000+00:00",
        "version": "1.0.3",
    }


def test_it_stores_a_batch_of_10000_statements_within_the_default_limit(lrs, settings):
    batch = [video_played(i) for i in range(10_000)]
    body = json.dumps(batch, separators=(",", ":"))
    assert len(body) < settings.KIPINA_XAPI_MAX_BODY_BYTES

    response = lrs.post(STATEMENTS, body)

    assert response.status_code == 200
    assert len(response.json()) == 10_000
    assert Statement.objects.count() == 10_000
