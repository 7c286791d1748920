"""The real-statements corpus posted through the API, one statement a request.

Each sender's quirk is accepted, normalised or refused as docs/xapi-conformance.md decides.
"""

import json
from pathlib import Path

import pytest

from learning_records.models import Statement

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parents[2] / "data" / "real-statements"
REFUSED_QUIRKS = {"mbox-no-mailto", "activity-missing-id:object"}


def corpus():
    for path in sorted(CORPUS.glob("*.json")):
        for index, entry in enumerate(json.loads(path.read_text())["statements"]):
            yield pytest.param(entry, id=f"{path.stem}-{index}")


@pytest.mark.parametrize("entry", list(corpus()))
def test_it_treats_each_real_statement_as_decided(lrs, entry):
    refused = bool(REFUSED_QUIRKS & set(entry["quirks"]))

    response = lrs.post("/xapi/statements", entry["statement"])

    if refused:
        assert response.status_code == 400, entry["why"]
        assert not Statement.objects.exists()
    else:
        assert response.status_code == 200, (entry["why"], response.content)
        assert Statement.objects.count() == 1


def test_the_corpus_is_all_here():
    assert len(list(corpus())) == 51
