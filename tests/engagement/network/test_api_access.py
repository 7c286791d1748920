"""Who sees what through /api/network/ (DESIGN.md "Who may see what"), role by role, with
the refusals: another learner, a teacher of another provider, an employer without consent
or after revocation, a login without a person, and anonymous callers."""

import pytest

from engagement.network.models import Role
from engagement.network.services import role_revoke
from tests.engagement.network.conftest import World

EVERYONE = [
    "aino", "mikko", "teacher", "other_teacher", "employer", "other_employer", "admin",
    "superuser", "no_person",
]  # fmt: skip


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def enrolment_names(world: World, rows: list[dict]) -> list[str]:
    names = {world.aino_enrolment.pk: "aino", world.mikko_enrolment.pk: "mikko"}
    return sorted(names[row["id"]] for row in rows)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("aino", ["aino"]),
        ("mikko", ["mikko"]),
        ("teacher", ["aino"]),
        ("other_teacher", []),  # listed on the Savonia cohort, but teaches at Sedu
        ("employer", []),  # employers read /shared-enrolments/, never full enrolments
        ("other_employer", []),
        ("admin", ["aino", "mikko"]),
        ("superuser", ["aino", "mikko"]),
        ("no_person", []),
    ],
)
def test_it_lists_only_the_enrolments_each_role_may_see(world, who, expected):
    rows = results(world.client(who).get("/api/network/enrolments/"))

    assert enrolment_names(world, rows) == expected


@pytest.mark.parametrize(
    "who", ["mikko", "other_teacher", "employer", "other_employer", "no_person"]
)
def test_it_answers_404_for_an_enrolment_the_caller_may_not_see(world, who):
    response = world.client(who).get(f"/api/network/enrolments/{world.aino_enrolment.pk}/")

    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/network/organisations/",
        "/api/network/people/",
        "/api/network/people/me/",
        "/api/network/roles/",
        "/api/network/identities/",
        "/api/network/skills/",
        "/api/network/pathways/",
        "/api/network/milestones/",
        "/api/network/activities/",
        "/api/network/enrolments/",
        "/api/network/shared-enrolments/",
        "/api/network/cohorts/",
        "/api/network/consents/",
        "/api/network/export/",
    ],
)
def test_it_refuses_anonymous_callers_with_a_message(world, path):
    response = world.client("anonymous").get(path)

    assert response.status_code in (401, 403)
    assert response.json()["detail"] == "Authentication credentials were not provided."


def test_it_lets_anonymous_callers_read_the_catalogue(world):
    assert world.client("anonymous").get("/api/network/catalogue/").status_code == 200
    assert world.client("anonymous").get("/api/network/catalogue/overlaps/").status_code == 200


def test_it_lets_a_teacher_see_their_cohort_and_its_learners_only(world):
    cohorts = results(world.client("teacher").get("/api/network/cohorts/"))
    people = results(world.client("teacher").get("/api/network/people/"))

    assert [row["id"] for row in cohorts] == [world.cohort.pk]
    assert sorted(row["email"] for row in people) == ["aino@example.fi", "tea@savonia.fi"]


def test_it_shows_a_teacher_of_another_provider_nothing_of_a_cohort_they_are_listed_on(world):
    client = world.client("other_teacher")

    assert results(client.get("/api/network/cohorts/")) == []
    assert [row["email"] for row in results(client.get("/api/network/people/"))] == ["tom@sedu.fi"]
    assert client.get(f"/api/network/cohorts/{world.cohort.pk}/").status_code == 404


def test_it_hides_the_cohort_from_a_teacher_the_moment_their_role_goes(world):
    role_revoke(role=Role.objects.get(person=world.teacher, kind="teacher"))

    assert results(world.client("teacher").get("/api/network/enrolments/")) == []
    assert results(world.client("teacher").get("/api/network/cohorts/")) == []


def test_it_shows_learners_only_themselves(world):
    people = results(world.client("aino").get("/api/network/people/"))

    assert [row["email"] for row in people] == ["aino@example.fi"]
    assert world.client("aino").get(f"/api/network/people/{world.mikko.pk}/").status_code == 404


def test_it_gives_a_learner_their_own_person_with_roles_and_identities(world):
    world.aino.identities.create(kind="mbox", value="mailto:aino@example.fi", agent_key="k")

    me = world.client("aino").get("/api/network/people/me/").json()

    assert me["email"] == "aino@example.fi"
    assert [(role["organisation"], role["kind"]) for role in me["roles"]] == [
        ("savonia", "learner")
    ]
    assert [identity["value"] for identity in me["identities"]] == ["mailto:aino@example.fi"]


def test_it_says_when_a_login_has_no_person(world):
    response = world.client("no_person").get("/api/network/people/me/")

    assert response.status_code == 404
    assert "not linked to a person" in response.json()["detail"]


def test_it_shows_identities_and_roles_only_to_their_person(world):
    world.aino.identities.create(kind="mbox", value="mailto:aino@example.fi", agent_key="k")

    assert len(results(world.client("aino").get("/api/network/identities/"))) == 1
    assert results(world.client("teacher").get("/api/network/identities/")) == []
    roles = results(world.client("mikko").get("/api/network/roles/"))
    assert roles == []


# --- Employers --------------------------------------------------------------------------

SHARED_FIELDS = {
    "id", "learner_name", "pathway", "pathway_title", "status", "completed", "completed_at",
    "milestones_completed", "milestones_total", "shared_with",
}  # fmt: skip


def test_it_shows_an_employer_only_completion_status_of_a_consented_enrolment(world):
    rows = results(world.client("employer").get("/api/network/shared-enrolments/"))

    assert [row["id"] for row in rows] == [world.aino_enrolment.pk]
    assert set(rows[0]) == SHARED_FIELDS
    assert rows[0]["shared_with"][0]["employer"] == "valmet"
    assert rows[0]["completed"] is False


@pytest.mark.parametrize(
    "who", ["other_employer", "teacher", "aino", "mikko", "admin", "no_person"]
)
def test_it_shares_nothing_with_anyone_but_the_consented_employers_contacts(world, who):
    assert results(world.client(who).get("/api/network/shared-enrolments/")) == []


def test_it_shares_nothing_without_consent_even_with_the_sponsor(world):
    # Mikko's enrolment has no consent; Aino's sponsor alone would not be enough either.
    world.consent.delete()

    assert results(world.client("employer").get("/api/network/shared-enrolments/")) == []


def test_it_hides_the_enrolment_from_the_employer_the_moment_consent_is_revoked(world):
    employer = world.client("employer")
    path = f"/api/network/shared-enrolments/{world.aino_enrolment.pk}/"
    assert employer.get(path).status_code == 200

    revoked = world.client("aino").post(f"/api/network/consents/{world.consent.pk}/revoke/")

    assert revoked.status_code == 200
    assert revoked.json()["is_active"] is False
    assert employer.get(path).status_code == 404
    assert results(employer.get("/api/network/shared-enrolments/")) == []
    assert results(employer.get("/api/network/consents/")) == []


def test_it_shows_an_employer_the_active_consents_given_to_their_company(world):
    rows = results(world.client("employer").get("/api/network/consents/"))

    assert [row["id"] for row in rows] == [world.consent.pk]
    assert results(world.client("other_employer").get("/api/network/consents/")) == []


# --- Consent is the learner's ---------------------------------------------------------------


def test_it_lets_a_learner_share_their_enrolment_with_an_employer(world):
    response = world.client("aino").post(
        "/api/network/consents/",
        {"enrolment": world.aino_enrolment.pk, "employer": "kokkola"},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert response.json()["employer"] == "kokkola"
    rows = results(world.client("other_employer").get("/api/network/shared-enrolments/"))
    assert [row["id"] for row in rows] == [world.aino_enrolment.pk]


def test_it_refuses_consent_on_someone_elses_enrolment(world):
    response = world.client("mikko").post(
        "/api/network/consents/",
        {"enrolment": world.aino_enrolment.pk, "employer": "kokkola"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "enrolment" in response.json()


def test_it_refuses_consent_to_an_organisation_that_is_not_a_company(world):
    response = world.client("aino").post(
        "/api/network/consents/",
        {"enrolment": world.aino_enrolment.pk, "employer": "sedu"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "employer" in response.json()


def test_it_refuses_the_employer_revoking_a_consent_given_to_them(world):
    response = world.client("employer").post(f"/api/network/consents/{world.consent.pk}/revoke/")

    assert response.status_code == 403
    assert "learner who gave" in response.json()["detail"]


def test_it_hides_another_learners_consent_from_a_learner(world):
    response = world.client("mikko").post(f"/api/network/consents/{world.consent.pk}/revoke/")

    assert response.status_code == 404


def test_it_lets_an_administrator_revoke_a_consent(world):
    response = world.client("admin").post(f"/api/network/consents/{world.consent.pk}/revoke/")

    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None


# --- Writes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["aino", "teacher", "employer", "no_person"])
def test_it_refuses_directory_changes_by_anyone_but_an_administrator(world, who):
    client = world.client(who)

    created = client.post(
        "/api/network/organisations/",
        {"slug": "new", "name_en": "New", "kind": "company"},
        content_type="application/json",
    )
    changed = client.patch(
        "/api/network/pathways/cells/", {"title_en": "Mine"}, content_type="application/json"
    )
    deleted = client.delete(f"/api/network/enrolments/{world.mikko_enrolment.pk}/")

    assert created.status_code == 403
    assert created.json()["detail"] == "Only a network administrator may do this."
    assert changed.status_code == 403
    assert deleted.status_code == 403


@pytest.mark.parametrize("who", ["admin", "superuser"])
def test_it_lets_administrators_change_the_directory(world, who):
    response = world.client(who).post(
        "/api/network/organisations/",
        {"slug": "new", "name_en": "New", "kind": "company"},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert response.json()["slug"] == "new"


def test_it_does_not_count_a_network_admin_role_outside_the_network_organisation(world):
    # A role row made behind the services' back must not make an administrator.
    Role.objects.create(person=world.mikko, organisation=world.savonia, kind="network_admin")

    assert enrolment_names(
        world, results(world.client("mikko").get("/api/network/enrolments/"))
    ) == ["mikko"]
