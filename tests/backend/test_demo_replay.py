"""The demo's replay helpers that need no server: batching, finding an earlier replay's day,
and when the newest statement was stored."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from backend.demo.replay import BATCH_SIZES, ReplayError, batches, latest_stored, replay_day
from backend.demo.traffic import demo_traffic
from learning_records.xapi.timestamps import parse_timestamp

TODAY = date(2025, 11, 28)


class StoredFirst:
    """An LRS stand-in that holds one statement: the first of an earlier replay (or none)."""

    def __init__(self, statement=None):
        self.statement = statement

    def retrieve_statement(self, statement_id):
        if self.statement is None or self.statement["id"] != statement_id:
            return SimpleNamespace(success=False, response=SimpleNamespace(status=404), data=b"")
        content = SimpleNamespace(timestamp=parse_timestamp(self.statement["timestamp"]))
        return SimpleNamespace(success=True, response=SimpleNamespace(status=200), content=content)


def first_of(day, seed=2025, size=400):
    return demo_traffic(seed=seed, today=day, size=size).statements[0]


def test_it_sends_batches_of_the_sizes_an_lms_uses():
    statements = [{"id": str(n)} for n in range(400)]

    sent = list(batches(statements))

    assert [len(batch) for batch in sent][:3] == list(BATCH_SIZES)
    assert [item for batch in sent for item in batch] == statements


def test_it_anchors_a_new_store_to_today():
    assert replay_day(StoredFirst(), seed=2025, size=400, today=TODAY) == TODAY


def test_it_keeps_today_when_today_made_the_stored_stream():
    assert replay_day(StoredFirst(first_of(TODAY)), seed=2025, size=400, today=TODAY) == TODAY


@pytest.mark.parametrize("days_ago", [1, 6, 30])
def test_it_finds_the_day_of_an_earlier_replay(days_ago):
    earlier = TODAY - timedelta(days=days_ago)

    found = replay_day(StoredFirst(first_of(earlier)), seed=2025, size=400, today=TODAY)

    assert found == earlier


def test_it_refuses_a_store_another_demo_wrote():
    foreign = {**first_of(TODAY), "timestamp": "2020-01-01T12:00:00.000Z"}

    with pytest.raises(ReplayError, match="fresh database"):
        replay_day(StoredFirst(foreign), seed=2025, size=400, today=TODAY)


class Newest:
    """An LRS stand-in answering a statement query with its newest statement (or none)."""

    def __init__(self, stored=None):
        self.stored = stored

    def query_statements(self, query):
        assert query == {"limit": 1}
        statements = [] if self.stored is None else [SimpleNamespace(stored=self.stored)]
        content = SimpleNamespace(statements=statements)
        return SimpleNamespace(success=True, response=SimpleNamespace(status=200), content=content)


def test_it_reads_when_the_newest_statement_was_stored():
    stored = datetime(2025, 11, 28, 10, 0, tzinfo=UTC)

    assert latest_stored(Newest(stored)) == stored
    assert latest_stored(Newest()) is None
