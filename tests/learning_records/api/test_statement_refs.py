"""Filters through StatementRefs (xAPI 1.0.3 Communication §2.1.3), on both ways of finding
the statements that target a match: from the matches (a rare filter) and from the
StatementRefs that may sort onto the page (a frequent one)."""

import json
import uuid

import pytest

from learning_records import selectors
from tests.xapi_samples import new_statement

pytestmark = pytest.mark.django_db

STATEMENTS = "/xapi/statements"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
ATTEMPTED = "http://adlnet.gov/expapi/verbs/attempted"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
COMMENTED = "http://example.org/verbs/commented"


WAYS = ["from the matches", "down the page's chains to known matches", "down to any match"]


@pytest.fixture(params=WAYS)
def way(request, monkeypatch):
    """Each way of finding the statements that target a match, forced."""
    from_matches = request.param == WAYS[0]
    monkeypatch.setattr(selectors, "_fewer_matches_than_heads", lambda *_: from_matches)
    if request.param == WAYS[2]:
        monkeypatch.setattr(selectors, "_MATCHES_READ_AT_MOST", 0)
    return request.param


def post(lrs, *statements):
    response = lrs.post(STATEMENTS, list(statements))
    assert response.status_code == 200, response.content
    return response.json()


def referring(verb, target_id):
    return new_statement(verb={"id": verb}, object={"objectType": "StatementRef", "id": target_id})


def every_page(lrs, params):
    page = lrs.get(STATEMENTS, params).json()
    seen = [s["id"] for s in page["statements"]]
    while page["more"]:
        page = lrs.http.get(page["more"], headers=lrs.headers).json()
        seen += [s["id"] for s in page["statements"]]
    return seen


def test_chains_of_references_reach_their_match(lrs, way):
    [original] = post(lrs, new_statement(verb={"id": PASSED}))
    [confirm] = post(lrs, referring(COMMENTED, original))
    [comment] = post(lrs, referring(COMMENTED, confirm))
    post(lrs, new_statement(verb={"id": ATTEMPTED}), referring(COMMENTED, str(uuid.uuid4())))
    [voider] = post(lrs, referring(VOIDED, original))

    assert set(every_page(lrs, {"verb": PASSED})) == {confirm, comment, voider}


def test_a_reference_stored_before_its_target_is_found(lrs, way):
    target_id = str(uuid.uuid4())
    [early] = post(lrs, referring(COMMENTED, target_id))
    post(lrs, new_statement(id=target_id, verb={"id": PASSED}))

    assert every_page(lrs, {"verb": PASSED}) == [target_id, early]


def test_paging_a_filter_returns_every_match_and_referrer_once_in_order(lrs, way):
    expected = []
    for n in range(7):
        [match] = post(lrs, new_statement(verb={"id": PASSED}))
        [other] = post(lrs, new_statement(verb={"id": ATTEMPTED}))
        expected.append(match)
        if n % 2 == 0:
            [comment] = post(lrs, referring(COMMENTED, match))
            expected.append(comment)
        post(lrs, referring(COMMENTED, other))  # targets a statement that does not match
    newest_first = list(reversed(expected))

    assert every_page(lrs, {"verb": PASSED, "limit": "2"}) == newest_first
    assert every_page(lrs, {"verb": PASSED, "limit": "3", "ascending": "true"}) == expected


def test_a_referrer_outside_since_and_until_is_left_out(lrs, way):
    [match] = post(lrs, new_statement(verb={"id": PASSED}))
    after_match = lrs.get(STATEMENTS, {"statementId": match}).json()["stored"]
    [comment] = post(lrs, referring(COMMENTED, match))

    assert every_page(lrs, {"verb": PASSED, "since": after_match}) == [comment]
    assert every_page(lrs, {"verb": PASSED, "until": after_match}) == [match]


def test_agent_and_activity_filters_pass_through_references(lrs, way):
    learner = {"objectType": "Agent", "mbox": "mailto:aino@example.org"}
    course = "http://example.org/courses/cells"
    [match] = post(lrs, new_statement(actor=learner, object={"id": course}))
    [comment] = post(lrs, referring(COMMENTED, match))
    post(lrs, new_statement(object={"id": course}))  # someone else

    by_agent = every_page(lrs, {"agent": json.dumps(learner)})
    both = every_page(lrs, {"agent": json.dumps(learner), "activity": course})

    assert by_agent == [comment, match]
    assert both == [comment, match]


def test_a_voided_match_still_brings_its_referrers_within_since(lrs, way):
    """ADL conformance XAPI-00162: with `since` before them all, the voiding statement and
    a statement targeting the voided one are returned, the voided one is not."""
    before = lrs.get(STATEMENTS, {"limit": "1"})["X-Experience-API-Consistent-Through"]
    verb = f"http://adlnet.gov/expapi/test/voided/target/{uuid.uuid4()}"
    [voided] = post(lrs, new_statement(verb={"id": verb}))
    [voider] = post(lrs, referring(VOIDED, voided))
    [ref] = post(lrs, referring(verb, voided))

    assert set(every_page(lrs, {"verb": verb, "since": before})) == {voider, ref}
