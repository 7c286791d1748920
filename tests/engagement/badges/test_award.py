"""badge_award: one assertion per person and badge class, with its xAPI "earned" statement in
the LRS and one achievements notification; all or nothing."""

import base64
import hashlib
import json

import pytest
from django.test import Client

from engagement.badges.models import Assertion, BadgeClass, StatusListCounter
from engagement.badges.services import EARNED_VERB, BadgeAwardError, badge_award
from engagement.network.models import Person
from learning_records.models import Statement
from learning_records.services import lrs_client_create
from notifications.models import Notification
from tests.engagement.builders import Network

pytestmark = pytest.mark.django_db


def test_awarding_twice_makes_one_assertion_statement_and_notification(
    net: Network, safety_badge: BadgeClass
) -> None:
    first = badge_award(badge_class=safety_badge, recipient=net.learner, enrolment=net.enrolment)
    second = badge_award(badge_class=safety_badge, recipient=net.learner, enrolment=net.enrolment)

    assert first.created
    assert not second.created
    assert second.assertion.pk == first.assertion.pk
    assert Assertion.objects.count() == 1
    assert Statement.objects.filter(verb_iri=EARNED_VERB).count() == 1
    assert Notification.objects.filter(template="badge_earned").count() == 1


def test_the_recipient_hash_is_salted_sha256_of_the_email(
    net: Network, safety_badge: BadgeClass
) -> None:
    assertion = badge_award(badge_class=safety_badge, recipient=net.learner).assertion

    expected = hashlib.sha256(("aino@example.fi" + assertion.recipient_salt).encode()).hexdigest()
    assert assertion.recipient_hash == "sha256$" + expected
    assert "aino" not in assertion.recipient_hash


def test_each_award_takes_the_next_status_list_index(
    net: Network, safety_badge: BadgeClass, pathway_badge: BadgeClass
) -> None:
    first = badge_award(badge_class=safety_badge, recipient=net.learner).assertion
    second = badge_award(badge_class=pathway_badge, recipient=net.learner).assertion

    assert (first.status_list_index, second.status_list_index) == (0, 1)
    assert StatusListCounter.objects.get().next_index == 2


def test_the_notification_is_an_achievement_keyed_by_the_assertion(
    net: Network, safety_badge: BadgeClass
) -> None:
    assertion = badge_award(badge_class=safety_badge, recipient=net.learner).assertion

    notification = Notification.objects.get()
    assert notification.topic == "achievements"
    assert notification.idempotency_key == f"badge:{assertion.uuid}"
    assert notification.person_id == net.learner.pk


def test_a_person_without_an_email_gets_no_badge_and_nothing_is_written(
    net: Network, safety_badge: BadgeClass
) -> None:
    nobody = Person.objects.create(given_name="No", family_name="Mail")

    with pytest.raises(BadgeAwardError):
        badge_award(badge_class=safety_badge, recipient=nobody)

    assert not Assertion.objects.exists()
    assert not Statement.objects.filter(verb_iri=EARNED_VERB).exists()
    assert not StatusListCounter.objects.filter(next_index__gt=0).exists()


def test_the_network_issuer_without_a_network_organisation_writes_nothing(
    net: Network, safety_badge: BadgeClass
) -> None:
    safety_badge.issuer.organisation = None
    safety_badge.issuer.save(update_fields=["organisation"])

    with pytest.raises(BadgeAwardError):
        badge_award(badge_class=safety_badge, recipient=net.learner)

    assert not Assertion.objects.exists()
    assert not Notification.objects.exists()


def test_the_earned_statement_is_read_through_the_xapi_api(
    net: Network, safety_badge: BadgeClass
) -> None:
    assertion = badge_award(badge_class=safety_badge, recipient=net.learner).assertion
    _, secret = lrs_client_create(organisation=net.provider, name="Reader", key="reader")
    token = base64.b64encode(f"reader:{secret}".encode()).decode()

    response = Client().get(
        "/xapi/statements",
        {"verb": EARNED_VERB, "agent": json.dumps({"mbox": "mailto:aino@example.fi"})},
        headers={"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"},
    )

    assert response.status_code == 200
    [statement] = response.json()["statements"]
    assert statement["actor"]["mbox"] == "mailto:aino@example.fi"
    assert statement["object"]["id"].endswith(f"/badges/classes/{safety_badge.uuid}")
    extension = statement["result"]["extensions"]
    assert next(iter(extension.values()))["@id"].endswith(f"/badges/assertions/{assertion.uuid}")
