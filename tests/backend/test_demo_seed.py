"""The demo's seed on a database: the directory's own import accepts it, a second seed changes
nothing, and every replayed actor but the deliberate one resolves to a person."""

from datetime import date

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Model

from backend.demo import network, seed
from backend.demo.traffic import demo_traffic
from engagement.network.interchange import ImportResult, network_export
from engagement.network.models import Consent, Enrolment, Organisation, XapiIdentity
from engagement.network.selectors import viewer_of_user
from learning_records.models import LrsClient
from learning_records.xapi.index import agent_key

pytestmark = pytest.mark.django_db

DAY = date(2025, 11, 28)


def seed_all() -> tuple[seed.DemoSeed, ImportResult]:
    return seed.demo_seed(), seed.demo_enrolments_seed(day=DAY)


def row_counts() -> dict[str, int]:
    models: list[type[Model]] = [
        *apps.get_app_config("network").get_models(),
        get_user_model(),
        Group,
        LrsClient,
    ]
    return {model._meta.label: model._default_manager.count() for model in models}


def test_it_seeds_the_network_through_the_import():
    made, enrolled = seed_all()

    assert made.provider.slug == network.SAVONIA
    assert made.client.organisation == made.provider
    assert Organisation.objects.filter(kind="company").count() == 4
    assert Enrolment.objects.filter(sponsor__isnull=False).count() == 6
    assert Consent.objects.filter(revoked_at__isnull=False).count() == 1
    assert made.directory.counts["pathways"]["created"] == len(network.PATHWAYS)
    assert enrolled.counts["enrolments"]["created"] == len(network.STUDIES)


def test_seeding_twice_changes_nothing():
    seed_all()
    counts, directory = row_counts(), network_export().content

    made, enrolled = seed_all()

    assert row_counts() == counts
    assert network_export().content == directory
    for result in (made.directory, enrolled):
        for kind, outcomes in result.counts.items():
            assert outcomes["created"] == outcomes["updated"] == 0, kind
    assert not made.client_created
    assert not made.admin_created
    assert not made.network_admin_created


@pytest.mark.parametrize("seed_value", [2025, 7])
def test_every_replayed_actor_but_the_deliberate_one_resolves_to_a_person(seed_value):
    seed_all()
    traffic = demo_traffic(seed=seed_value, today=DAY, size=400)
    assert traffic.voiding is not None
    actors = {agent_key(s["actor"]) for s in [*traffic.statements, traffic.voiding]}

    linked = set(
        XapiIdentity.objects.filter(agent_key__in=actors).values_list("agent_key", flat=True)
    )

    assert actors - linked == {agent_key(network.unlinked_agent())}


def test_the_network_administrator_can_sign_in_and_administers_the_network():
    made, _ = seed_all()
    user = get_user_model().objects.get(username=seed.NETWORK_ADMIN_USERNAME)

    assert made.network_admin_created
    assert user.check_password(seed.NETWORK_ADMIN_PASSWORD)
    assert user.is_staff
    assert not user.is_superuser
    assert viewer_of_user(user).is_admin
    assert user.has_perm("network.change_xapiidentity")
    assert user.has_perm("progress.view_unmatchedagent")


def test_a_network_administrator_who_changed_the_password_keeps_it():
    seed_all()
    user = get_user_model().objects.get(username=seed.NETWORK_ADMIN_USERNAME)
    user.set_password("chosen-by-hanna")
    user.save(update_fields=["password"])

    made, _ = seed_all()

    user.refresh_from_db()
    assert not made.network_admin_created
    assert user.check_password("chosen-by-hanna")


@pytest.mark.parametrize(
    ("username", "role"),
    [("teacher", "teacher"), ("employer", "employer_contact"), ("learner", "learner")],
)
def test_each_dashboard_login_signs_in_as_a_person_of_its_role(username, role):
    made, _ = seed_all()
    login = next(login for login in seed.DASHBOARD_LOGINS if login.username == username)
    user = get_user_model().objects.get(username=username)

    assert (login, True) in made.dashboard_logins
    assert user.check_password(login.password)
    assert not user.is_staff
    assert f"{user.person.given_name} {user.person.family_name}" == login.name
    assert user.person.roles.filter(kind=role).exists()


def test_the_employer_login_sees_a_consenting_and_a_revoked_employee():
    """The employer dashboard's demo: one consent held (the learner login's), one revoked."""
    seed_all()
    employer = get_user_model().objects.get(username="employer").person
    company = employer.roles.get().organisation
    consents = Consent.objects.filter(employer=company)
    held = consents.filter(revoked_at__isnull=True)

    assert set(held.values_list("enrolment__learner__user__username", flat=True)) == {"learner"}
    assert consents.filter(revoked_at__isnull=False).count() == 1


def test_a_dashboard_login_whose_password_was_changed_keeps_it():
    seed_all()
    user = get_user_model().objects.get(username="learner")
    user.set_password("chosen-by-aino")
    user.save(update_fields=["password"])

    made, _ = seed_all()

    user.refresh_from_db()
    assert all(not created for _, created in made.dashboard_logins)
    assert user.check_password("chosen-by-aino")
