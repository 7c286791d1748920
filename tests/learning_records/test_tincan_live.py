"""The real tincan client (Rustici's TinCanPython) against a live server: the LMS's view.

The API tests use Django's test client, which skips what only a real HTTP request has
(CSRF middleware, Basic auth over the wire, absolute `more` links); these do not.
"""

import uuid
from datetime import datetime

import pytest
from tincan import RemoteLRS, Statement, StatementList

from engagement.network.services import organisation_get_or_create
from learning_records.services import lrs_client_create

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

KEY, SECRET = "tincan-live", "tincan-live-secret"
VOIDED = {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}}


@pytest.fixture
def remote(live_server) -> RemoteLRS:
    organisation, _ = organisation_get_or_create(name="Tincan Live UAS", kind="uas")
    lrs_client_create(organisation=organisation, name="tincan", key=KEY, secret=SECRET)
    return RemoteLRS(
        endpoint=f"{live_server.url}/xapi/", username=KEY, password=SECRET, version="1.0.3"
    )


def statement(number: int = 0, *, with_id: bool = True, **overrides) -> Statement:
    document = {
        "actor": {"mbox": "mailto:aino.virtanen@example.com", "name": "Aino Virtanen"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en": "seen"}},
        "object": {"id": f"https://moodle.savonia.example/mod/page/view.php?id={number}"},
        **overrides,
    }
    if with_id:
        document["id"] = str(uuid.uuid4())
    return Statement(document)


def succeeded(response):
    assert response.success, (response.response.status, response.data)
    return response.content


def all_ids(remote: RemoteLRS, limit: int) -> list[tuple[str, datetime]]:
    """(id, stored) of every statement, page by page through `more`."""
    result = succeeded(remote.query_statements({"limit": limit}))
    seen = [(str(s.id), s.stored) for s in result.statements]
    while result.more:
        result = succeeded(remote.more_statements(result.more))
        assert len(result.statements) <= limit
        seen += [(str(s.id), s.stored) for s in result.statements]
    return seen


def test_it_stores_one_statement_and_retrieves_it_by_id(remote):
    sent = statement()

    succeeded(remote.save_statement(sent))
    stored = succeeded(remote.retrieve_statement(str(sent.id)))

    assert stored.id == sent.id
    assert stored.actor.mbox == "mailto:aino.virtanen@example.com"
    assert stored.stored is not None


def test_it_stores_a_batch_and_assigns_the_missing_ids(remote):
    batch = StatementList([statement(n) for n in range(3)] + [statement(3, with_id=False)])

    saved = succeeded(remote.save_statements(batch))

    assert all(item.id is not None for item in saved)
    for item in saved:
        assert succeeded(remote.retrieve_statement(str(item.id))).id == item.id


def test_it_pages_through_more_newest_first_until_exhausted(remote):
    sent: list[str] = []
    for first in range(0, 11, 3):  # several POSTs, so `stored` differs between them
        batch = StatementList([statement(n) for n in range(first, first + 3)])
        sent += [str(item.id) for item in succeeded(remote.save_statements(batch))]

    seen = all_ids(remote, limit=4)

    ids = [statement_id for statement_id, _ in seen]
    assert sorted(ids) == sorted(sent)
    assert len(set(ids)) == len(ids)
    stored = [moment for _, moment in seen]
    assert stored == sorted(stored, reverse=True)
    assert set(ids[:3]) == set(sent[-3:])


def test_it_hides_a_voided_statement_and_returns_it_by_voided_id(remote):
    target = statement()
    succeeded(remote.save_statement(target))
    voiding = statement(verb=VOIDED, object={"objectType": "StatementRef", "id": str(target.id)})

    succeeded(remote.save_statement(voiding))

    assert str(target.id) not in [statement_id for statement_id, _ in all_ids(remote, limit=10)]
    assert remote.retrieve_statement(str(target.id)).response.status == 404
    assert succeeded(remote.retrieve_voided_statement(str(target.id))).id == target.id


@pytest.mark.parametrize(("key", "secret"), [(KEY, "wrong-secret"), ("no-such-key", SECRET)])
def test_it_refuses_wrong_credentials_with_401(remote, live_server, key, secret):
    stranger = RemoteLRS(
        endpoint=f"{live_server.url}/xapi/", username=key, password=secret, version="1.0.3"
    )

    response = stranger.query_statements({"limit": 1})

    assert not response.success
    assert response.response.status == 401
