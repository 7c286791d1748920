"""Open edX backfills post 10,000 statements at once; such a batch fits the default limit."""

import json
import uuid
from pathlib import Path

import pytest

from learning_records.models import Statement

pytestmark = pytest.mark.django_db

STATEMENTS = "/xapi/statements"
CORPUS = Path(__file__).resolve().parents[2] / "data" / "real-statements" / "openedx.json"


def openedx_backfill(count: int) -> list[dict]:
    """`count` statements cycling through the valid real Open edX shapes, each with its own id."""
    shapes = [
        entry["statement"]
        for entry in json.loads(CORPUS.read_text())["statements"]
        if entry["adl_lrs_post_status"] == 200
    ]
    return [
        {**shapes[n % len(shapes)], "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"backfill-{n}"))}
        for n in range(count)
    ]


def test_it_stores_a_backfill_of_10000_real_open_edx_statements(lrs, settings):
    body = json.dumps(openedx_backfill(10_000), separators=(",", ":"))
    assert len(body) > 10 * 1024 * 1024  # bigger than the 10 MB first planned
    assert len(body) < settings.KIPINA_XAPI_MAX_BODY_BYTES

    response = lrs.post(STATEMENTS, body)

    assert response.status_code == 200
    assert len(response.json()) == 10_000
    assert Statement.objects.count() == 10_000
