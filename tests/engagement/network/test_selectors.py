"""The visibility selectors, as dashboards call them for a person."""

from engagement.network import services
from engagement.network.selectors import (
    consents_visible_to,
    enrolments_shared_with,
    enrolments_visible_to,
    viewer_of_person,
    viewer_of_user,
)


def test_it_makes_an_administrator_of_a_network_admin_role_or_a_superuser(world):
    assert viewer_of_person(world.admin).is_admin is True
    assert viewer_of_person(world.teacher).is_admin is False
    assert viewer_of_user(world.users["superuser"]).is_admin is True
    assert viewer_of_user(world.users["superuser"]).person is None


def test_it_gives_the_same_answer_for_a_person_as_for_their_login(world):
    for name in ("aino", "teacher", "employer", "admin"):
        person, user = getattr(world, name), world.users[name]
        by_person = set(enrolments_visible_to(viewer_of_person(person)))
        assert by_person == set(enrolments_visible_to(viewer_of_user(user)))


def test_it_carries_the_viewers_companies_consents_with_each_shared_enrolment(world):
    services.consent_give(enrolment=world.aino_enrolment, employer=world.kokkola)

    shared = list(enrolments_shared_with(viewer_of_person(world.employer)))

    assert shared == [world.aino_enrolment]
    assert [c.employer.slug for c in shared[0].shared_consents] == ["valmet"]  # type: ignore[attr-defined]


def test_it_keeps_a_learners_revoked_consents_in_their_own_history(world):
    services.consent_revoke(consent=world.consent)

    assert list(consents_visible_to(viewer_of_person(world.aino))) == [world.consent]
    assert list(consents_visible_to(viewer_of_person(world.employer))) == []
