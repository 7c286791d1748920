"""A batch that cannot be written within the store deadline is rolled back with 503."""

import datetime as dt

import pytest
import time_machine

from learning_records import services
from learning_records.models import Statement
from tests.xapi_samples import new_statement

pytestmark = pytest.mark.django_db


def test_it_rolls_back_a_batch_that_overran_the_deadline(lrs, settings, monkeypatch):
    settings.KIPINA_XAPI_STORE_DEADLINE_SECONDS = 5
    original = services._attachments_store

    def slow_write(*args, **kwargs):
        original(*args, **kwargs)
        traveller.shift(dt.timedelta(seconds=6))

    monkeypatch.setattr(services, "_attachments_store", slow_write)
    with time_machine.travel(dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)) as traveller:
        response = lrs.post("/xapi/statements", [new_statement(), new_statement()])

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert not Statement.objects.exists()
