"""The badges tables' own rules: one badge class per milestone or pathway (never both), one
issuer profile per organisation and one for the network, one assertion per person and badge
class, unique status list indexes."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from engagement.badges.models import Assertion, BadgeClass, Issuer
from tests.engagement.builders import Network

pytestmark = pytest.mark.django_db

ISSUED = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def _issuer(net: Network) -> Issuer:
    return Issuer.objects.create(
        organisation=net.provider, name_en="Savonia", url="https://savonia.fi", email="b@savonia.fi"
    )


def _assertion(badge_class: BadgeClass, net: Network, index: int) -> Assertion:
    return Assertion.objects.create(
        badge_class=badge_class,
        recipient=net.learner,
        recipient_salt="salt",
        recipient_hash="sha256$00",
        issued_at=ISSUED,
        status_list_index=index,
    )


def test_a_badge_class_needs_a_milestone_or_a_pathway(net: Network) -> None:
    with pytest.raises(IntegrityError):
        BadgeClass.objects.create(issuer=_issuer(net), name_en="Nothing", description_en="x")


def test_a_badge_class_cannot_have_both(net: Network) -> None:
    with pytest.raises(IntegrityError):
        BadgeClass.objects.create(
            issuer=_issuer(net),
            milestone=net.safety,
            pathway=net.pathway,
            name_en="Both",
            description_en="x",
        )


def test_a_milestone_has_one_badge_class(net: Network) -> None:
    issuer = _issuer(net)
    BadgeClass.objects.create(issuer=issuer, milestone=net.safety, name_en="A", description_en="x")
    with pytest.raises(IntegrityError):
        BadgeClass.objects.create(
            issuer=issuer, milestone=net.safety, name_en="B", description_en="x"
        )


def test_the_network_has_one_issuer_profile(db: None) -> None:
    Issuer.objects.create(name_en="Network", url="https://kipina.example", email="n@k.example")
    with pytest.raises(IntegrityError):
        Issuer.objects.create(name_en="Again", url="https://kipina.example", email="n@k.example")


def test_an_organisation_has_one_issuer_profile(net: Network) -> None:
    _issuer(net)
    with pytest.raises(IntegrityError):
        _issuer(net)


def test_a_person_holds_a_badge_class_once(net: Network) -> None:
    badge_class = BadgeClass.objects.create(
        issuer=_issuer(net), milestone=net.safety, name_en="A", description_en="x"
    )
    _assertion(badge_class, net, 0)
    with pytest.raises(IntegrityError):
        _assertion(badge_class, net, 1)


def test_status_list_indexes_are_unique(net: Network) -> None:
    issuer = _issuer(net)
    safety = BadgeClass.objects.create(
        issuer=issuer, milestone=net.safety, name_en="A", description_en="x"
    )
    chemistry = BadgeClass.objects.create(
        issuer=issuer, milestone=net.chemistry, name_en="B", description_en="x"
    )
    _assertion(safety, net, 7)
    with pytest.raises(IntegrityError), transaction.atomic():
        _assertion(chemistry, net, 7)
