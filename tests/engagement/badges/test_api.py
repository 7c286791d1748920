"""/api/badges/: the signed-in learner's own badges and share link; revocation by network
administrators; refusals with clear 4xx answers."""

import json
from typing import Any

import pytest
from django.test import Client

from engagement.badges.models import Assertion, BadgeShare
from engagement.network.models import Person
from tests.engagement.badges.conftest import network_admin, signed_in
from tests.engagement.builders import Network

pytestmark = pytest.mark.django_db

MINE = "/api/badges/mine/"
SHARE = "/api/badges/share/"


def _revoke_url(assertion: Assertion) -> str:
    return f"/api/badges/assertions/{assertion.uuid}/revoke/"


def _other_learner() -> Person:
    return Person.objects.create(given_name="Eero", family_name="Muu", email="eero@example.fi")


def _put(client: Client, url: str, body: Any) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return client.put(url, data, content_type="application/json")


def _post(client: Client, url: str, body: Any) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data, content_type="application/json")


# --- My badges --------------------------------------------------------------------------------


def test_a_learner_lists_their_own_badges(net: Network, assertion: Assertion) -> None:
    response = signed_in(net.learner).get(MINE)

    assert response.status_code == 200
    [badge] = response.json()
    assert badge["id"] == str(assertion.uuid)
    assert badge["badge"] == "Battery safety"
    assert badge["revoked"] is False
    assert badge["url"].endswith(f"/badges/assertions/{assertion.uuid}")
    assert badge["baked_image_url"].endswith("/baked.png")


def test_another_learner_sees_none_of_them(net: Network, assertion: Assertion) -> None:
    response = signed_in(_other_learner()).get(MINE)

    assert response.status_code == 200
    assert response.json() == []


def test_my_badges_need_a_login(client: Client, assertion: Assertion) -> None:
    response = client.get(MINE)

    assert response.status_code == 403
    assert "detail" in response.json()


def test_a_login_without_a_person_is_refused(db: None) -> None:
    response = signed_in(None).get(MINE)

    assert response.status_code == 403
    assert response.json()["detail"] == "This login has no person in the network."


def test_my_badges_take_a_constant_number_of_queries(
    net: Network, assertion: Assertion, pathway_badge: Any, django_assert_max_num_queries: Any
) -> None:
    from engagement.badges.services import badge_award

    badge_award(badge_class=pathway_badge, recipient=net.learner)
    client = signed_in(net.learner)
    with django_assert_max_num_queries(4):
        response = client.get(MINE)
    assert len(response.json()) == 2


# --- Share link -------------------------------------------------------------------------------


def test_sharing_is_off_by_default(net: Network) -> None:
    assert signed_in(net.learner).get(SHARE).json() == {"enabled": False, "url": None}


def test_turning_sharing_on_gives_a_link_that_shows_the_badges(
    net: Network, assertion: Assertion
) -> None:
    answer = _put(signed_in(net.learner), SHARE, {"enabled": True}).json()

    assert answer["enabled"] is True
    path = answer["url"].split("://", 1)[1].split("/", 1)[1]
    page = Client().get(f"/{path}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Battery safety" in page.content.decode()
    assert "aino@example.fi" not in page.content.decode()


def test_a_link_turned_off_is_404(net: Network, assertion: Assertion) -> None:
    learner = signed_in(net.learner)
    url = _put(learner, SHARE, {"enabled": True}).json()["url"]
    _put(learner, SHARE, {"enabled": False})

    path = url.split("://", 1)[1].split("/", 1)[1]
    assert Client().get(f"/{path}").status_code == 404


def test_a_new_link_makes_the_old_one_dead(net: Network, assertion: Assertion) -> None:
    learner = signed_in(net.learner)
    old = _put(learner, SHARE, {"enabled": True}).json()["url"]
    new = _put(learner, SHARE, {"enabled": True, "new_link": True}).json()["url"]

    assert old != new
    old_path = old.split("://", 1)[1].split("/", 1)[1]
    new_path = new.split("://", 1)[1].split("/", 1)[1]
    assert Client().get(f"/{old_path}").status_code == 404
    assert Client().get(f"/{new_path}").status_code == 200


def test_the_shared_list_leaves_out_revoked_badges(net: Network, assertion: Assertion) -> None:
    from engagement.badges.services import assertion_revoke
    from tests.engagement.badges.conftest import NOON

    url = _put(signed_in(net.learner), SHARE, {"enabled": True}).json()["url"]
    assertion_revoke(assertion=assertion, reason="Issued in error", now=NOON)

    path = url.split("://", 1)[1].split("/", 1)[1]
    assert "Battery safety" not in Client().get(f"/{path}").content.decode()


def test_sharing_needs_a_login(client: Client, db: None) -> None:
    assert _put(client, SHARE, {"enabled": True}).status_code == 403
    assert not BadgeShare.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"enabled": "yes"}, "enabled"),
        ({"enabled": 1}, "enabled"),
        ({"enabled": None}, "enabled"),
        ({}, "enabled"),
        ({"enabled": True, "new_link": "true"}, "new_link"),
        ({"enabled": True, "public": True}, "public"),
        ([True], "non_field_errors"),
    ],
)
def test_share_input_is_strict(net: Network, body: Any, field: str) -> None:
    response = _put(signed_in(net.learner), SHARE, body)

    assert response.status_code == 400
    assert field in response.json()
    assert not BadgeShare.objects.filter(enabled=True).exists()


def test_malformed_json_is_400(net: Network) -> None:
    response = _put(signed_in(net.learner), SHARE, '{"enabled": tru')

    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_an_oversize_body_is_413(net: Network) -> None:
    response = _put(signed_in(net.learner), SHARE, {"enabled": True, "pad": "x" * 20_000})

    assert response.status_code == 413


def test_other_methods_are_405(net: Network) -> None:
    learner = signed_in(net.learner)

    assert learner.delete(SHARE).status_code == 405
    assert _post(learner, MINE, {}).status_code == 405


# --- Revocation -------------------------------------------------------------------------------


def test_an_administrator_revokes_with_a_reason(net: Network, assertion: Assertion) -> None:
    response = _post(network_admin(net), _revoke_url(assertion), {"reason": "Issued in error"})

    assert response.status_code == 200
    assert response.json()["revoked"] is True
    assert response.json()["baked_image_url"] is None
    assertion.refresh_from_db()
    assert assertion.revocation_reason == "Issued in error"


def test_the_learner_cannot_revoke(net: Network, assertion: Assertion) -> None:
    response = _post(signed_in(net.learner), _revoke_url(assertion), {"reason": "Mine"})

    assert response.status_code == 403
    assert Assertion.objects.get().revoked_at is None


def test_revoking_needs_a_login(client: Client, assertion: Assertion) -> None:
    assert _post(client, _revoke_url(assertion), {"reason": "x"}).status_code == 403


def test_revoking_twice_is_a_conflict(net: Network, assertion: Assertion) -> None:
    admin = network_admin(net)
    _post(admin, _revoke_url(assertion), {"reason": "First"})

    response = _post(admin, _revoke_url(assertion), {"reason": "Second"})

    assert response.status_code == 409
    assert Assertion.objects.get().revocation_reason == "First"


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "reason"), ({"reason": ""}, "reason"), ({"reason": 5}, "reason"),
     ({"reason": "x" * 1001}, "reason")],
)  # fmt: skip
def test_a_revocation_needs_a_real_reason(
    net: Network, assertion: Assertion, body: Any, field: str
) -> None:
    response = _post(network_admin(net), _revoke_url(assertion), body)

    assert response.status_code == 400
    assert field in response.json()
    assert Assertion.objects.get().revoked_at is None


def test_a_blank_reason_is_refused(net: Network, assertion: Assertion) -> None:
    response = _post(network_admin(net), _revoke_url(assertion), {"reason": "   "})

    assert response.status_code == 400


def test_revoking_an_unknown_assertion_is_404(net: Network, db: None) -> None:
    url = "/api/badges/assertions/00000000-0000-4000-8000-000000000000/revoke/"

    assert _post(network_admin(net), url, {"reason": "x"}).status_code == 404
