"""Who may read and write documents: the client's scopes (xAPI 1.0.3 Communication §4.2) and
its organisation (DESIGN.md, "Who may see what")."""

import pytest

from learning_records.models import Document
from tests.learning_records.documents.conftest import (
    ACTIVITY_PROFILE,
    AGENT_PROFILE,
    RESOURCES,
    STATE,
    address,
    call,
    create,
)

pytestmark = pytest.mark.django_db

# (scopes, resource, may read, may write)
SCOPES = [
    (["state"], STATE, True, True),
    (["state"], ACTIVITY_PROFILE, False, False),
    (["profile"], ACTIVITY_PROFILE, True, True),
    (["profile"], AGENT_PROFILE, True, True),
    (["profile"], STATE, False, False),
    (["all/read"], STATE, True, False),
    (["all/read"], AGENT_PROFILE, True, False),
    (["all"], STATE, True, True),
    (["all"], ACTIVITY_PROFILE, True, True),
    (["statements/write", "statements/read"], STATE, False, False),
    (["define"], AGENT_PROFILE, False, False),
]


@pytest.mark.parametrize(
    ("scopes", "resource", "may_read", "may_write"),
    SCOPES,
    ids=[f"{'+'.join(s)}-{r}" for s, r, _, _ in SCOPES],
)
def test_the_clients_scopes_decide_what_it_may_do(
    lrs, scoped_lrs, scopes, resource, may_read, may_write
):
    create(lrs, resource, {"v": 1})
    client = scoped_lrs(*scopes)
    conditional = {"If-Match": "*"}

    statuses = {
        "GET": call(client, "GET", address(resource)).status_code,
        "GET ids": call(client, "GET", address(resource, None)).status_code,
        "PUT": call(client, "PUT", address(resource), {"v": 2}, headers=conditional).status_code,
        "POST": call(client, "POST", address(resource), {"w": 3}).status_code,
        "DELETE": call(client, "DELETE", address(resource, "other")).status_code,
    }

    expected_read = 200 if may_read else 403
    expected_write = 204 if may_write else 403
    assert statuses == {
        "GET": expected_read,
        "GET ids": expected_read,
        "PUT": expected_write,
        "POST": expected_write,
        "DELETE": expected_write,
    }


def test_the_403_names_the_scopes_that_would_do(scoped_lrs):
    client = scoped_lrs("statements/write")

    response = call(client, "PUT", address(STATE), {"v": 1})

    assert response.status_code == 403
    assert response.json()["message"] == (
        "this client may not change state documents: that needs one of the scopes state, all"
    )


def test_a_forbidden_write_changes_nothing(lrs, scoped_lrs):
    create(lrs, STATE, {"v": 1})

    call(scoped_lrs("all/read"), "DELETE", address(STATE, None))

    assert Document.objects.count() == 1


@pytest.mark.parametrize("resource", RESOURCES, ids=str)
def test_another_tenant_does_not_see_a_document(lrs, other_lrs, resource):
    create(lrs, resource, {"v": 1})

    assert call(other_lrs, "GET", address(resource)).status_code == 404
    assert call(other_lrs, "GET", address(resource, None)).json() == []


@pytest.mark.parametrize("resource", RESOURCES, ids=str)
def test_the_same_address_in_two_tenants_is_two_documents(lrs, other_lrs, resource):
    create(lrs, resource, {"tenant": "savonia"})
    create(other_lrs, resource, {"tenant": "valmet"})

    call(other_lrs, "POST", address(resource), {"merged": True})
    call(other_lrs, "DELETE", address(resource, "doc-2"))

    assert call(lrs, "GET", address(resource)).json() == {"tenant": "savonia"}
    assert call(other_lrs, "GET", address(resource)).json() == {"tenant": "valmet", "merged": True}


def test_deleting_all_states_leaves_another_tenants_alone(lrs, other_lrs):
    create(lrs, STATE, {"v": 1})

    call(other_lrs, "DELETE", address(STATE, None))

    assert call(lrs, "GET", address(STATE)).status_code == 200


def test_another_tenants_etag_is_no_precondition_here(lrs, other_lrs):
    """If-None-Match: * looks at this tenant's store only: the other's document is invisible."""
    create(lrs, ACTIVITY_PROFILE, {"v": 1})

    response = call(
        other_lrs, "PUT", address(ACTIVITY_PROFILE), {"v": 2}, headers={"If-None-Match": "*"}
    )

    assert response.status_code == 204
