"""The rules' admin: the definition is edited as JSON, checked like the API and saved through
the services (a new version per edit); a rule switched off after an error says why; previews
and effectiveness pages; decisions, plans and the cursor are read-only."""

import datetime as dt
import json

import pytest
from django.test import Client

from engagement.rules import services
from engagement.rules.models import Decision, EventCursor, Rule, StudyPlan
from tests.engagement.rules.api_fixtures import INACTIVE, World, rule, world

__all__ = ["rule", "world"]  # fixtures

RULES = "/admin/rules/rule/"
DECIDED = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


@pytest.fixture
def admin_client(world: World) -> Client:
    return world.client("superuser")


def form(rule: Rule | None = None, **fields: str) -> dict[str, str]:
    """The add or change form's fields, with the read-only versions inline's management form."""
    versions = list(rule.versions.order_by("-number")) if rule else []
    data = {
        "name": "Come back",
        "enabled": "on",
        "holdout_share": "0.1",
        "definition": json.dumps(INACTIVE),
        "versions-TOTAL_FORMS": str(len(versions)),
        "versions-INITIAL_FORMS": str(len(versions)),
        "versions-MIN_NUM_FORMS": "0",
        "versions-MAX_NUM_FORMS": "1000",
    }
    if rule is None:
        data["scope"] = "network"
    for n, version in enumerate(versions):
        data[f"versions-{n}-id"] = str(version.pk)
        data[f"versions-{n}-rule"] = str(version.rule_id)
    data.update(fields)
    return {key: value for key, value in data.items() if value != ""}


def test_it_opens_every_page(world, admin_client, rule):
    services.sweep_batch([world.aino.pk], DECIDED)
    StudyPlan.objects.create(person=world.aino, days_per_week=3)
    EventCursor.objects.create(name="events", last_event_id=7)
    pages = [
        RULES, f"{RULES}add/", f"{RULES}{rule.pk}/change/", f"{RULES}{rule.pk}/preview/",
        f"{RULES}{rule.pk}/effectiveness/", "/admin/rules/decision/", "/admin/rules/studyplan/",
        "/admin/rules/eventcursor/",
        f"/admin/rules/decision/{Decision.objects.get().pk}/change/",
    ]  # fmt: skip

    assert {page: admin_client.get(page).status_code for page in pages} == dict.fromkeys(pages, 200)


@pytest.mark.parametrize("model", ["decision", "studyplan", "eventcursor"])
def test_decisions_plans_and_the_cursor_are_read_only(admin_client, model):
    assert admin_client.get(f"/admin/rules/{model}/add/").status_code == 403


def test_it_filters_decisions_by_rule_holdout_and_window(world, admin_client, rule):
    services.sweep_batch([world.aino.pk, world.mikko.pk], DECIDED)
    Decision.objects.filter(person=world.mikko).update(holdout="rule")

    def listed(**query: str) -> str:
        answer = admin_client.get("/admin/rules/decision/", query)
        assert answer.status_code == 200
        return answer.content.decode()

    assert "inactive-since:2026-02-01" not in listed(holdout__exact="")
    assert "inactive-since:2026-02-01" in listed(holdout__exact="rule")
    assert "inactive-since:" in listed(rule__id__exact=str(rule.pk), window="inactive-since:")
    assert "0 decisions" in listed(window="pace:")


def test_the_add_form_makes_a_rule_through_the_service(world, admin_client):
    answer = admin_client.post(f"{RULES}add/", form(name="Welcome back"))

    assert answer.status_code == 302, answer.content.decode()[:2000]
    rule = Rule.objects.get()
    version = rule.current_version
    assert rule.name == "Welcome back"
    assert version is not None
    assert (version.number, version.definition) == (1, INACTIVE)
    assert version.created_by == world.users["superuser"]


def test_the_change_form_makes_a_version_only_for_a_new_definition(admin_client, rule):
    renamed = admin_client.post(f"{RULES}{rule.pk}/change/", form(rule, name="Renamed"))
    edited = admin_client.post(
        f"{RULES}{rule.pk}/change/",
        form(rule, name="Renamed", definition=json.dumps({**INACTIVE, "days": 12})),
    )

    assert (renamed.status_code, edited.status_code) == (302, 302)
    rule.refresh_from_db()
    assert rule.name == "Renamed"
    assert [(v.number, v.definition["days"]) for v in rule.versions.order_by("number")] == [
        (1, 7),
        (2, 12),
    ]
    page = admin_client.get(f"{RULES}{rule.pk}/change/").content.decode()
    assert "&quot;days&quot;: 12" in page  # the versions inline shows each definition


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"definition": json.dumps({**INACTIVE, "days": 0})},
         "definition.days: Input should be greater than or equal to 1"),
        ({"definition": json.dumps({**INACTIVE, "action": {"type": "nudge"}})},
         "definition.action.template: is required"),
        ({"definition": "{not json"}, "Enter a valid JSON."),
        ({"scope": "pathway"}, "A rule of scope pathway needs its pathway."),
        ({"holdout_share": "0.7"}, "Ensure this value is less than or equal to 0.5."),
    ],
)  # fmt: skip
def test_the_form_refuses_what_the_api_refuses_naming_the_field(admin_client, fields, message):
    answer = admin_client.post(f"{RULES}add/", form(**fields))

    assert answer.status_code == 200
    assert message in answer.content.decode()
    assert not Rule.objects.exists()


def test_a_rule_switched_off_after_an_error_says_why(admin_client, rule):
    services.rule_disable_for_error(rule_id=rule.pk, error=ZeroDivisionError("zero-day pathway"))

    listed = admin_client.get(RULES).content.decode()
    changed = admin_client.get(f"{RULES}{rule.pk}/change/").content.decode()

    assert "OFF after an error:" in listed
    assert "ZeroDivisionError: zero-day pathway" in listed
    assert "1 rule is switched off after an error" in listed
    assert "This rule was switched off after an error" in changed
    assert "ZeroDivisionError: zero-day pathway" in changed


def test_the_preview_action_shows_who_and_why_and_records_nothing(world, admin_client, rule):
    answer = admin_client.post(RULES, {"action": "preview", "_selected_action": [str(rule.pk)]})

    page = answer.content.decode()
    assert answer.status_code == 200
    assert "Aino Virtanen" in page
    assert "no activity yet for" in page
    assert "Nothing was recorded or sent." in page
    assert not Decision.objects.exists()


def test_the_switch_actions_go_through_the_service(admin_client, rule):
    services.rule_disable_for_error(rule_id=rule.pk, error=ValueError("x"))

    admin_client.post(RULES, {"action": "switch_on", "_selected_action": [str(rule.pk)]})

    rule.refresh_from_db()
    assert (rule.enabled, rule.disabled_reason) == (True, "")


def test_the_effectiveness_page_shows_the_arms_and_the_statement(world, admin_client, rule):
    for person, enrolment, holdout in [
        (world.aino, world.aino_enrolment, ""),
        (world.mikko, world.mikko_enrolment, "rule"),
    ]:
        Decision.objects.create(
            rule=rule, version=rule.current_version, person=person, enrolment=enrolment,
            window="w", action={}, holdout=holdout, decided_at=DECIDED,
        )  # fmt: skip

    page = admin_client.get(f"{RULES}{rule.pk}/effectiveness/").content.decode()

    assert "Version 1" in page
    assert "All versions" in page
    assert "Held out by the rule" in page
    assert "0.0% (0.0–79.3%)" in page  # Wilson interval of 0/1
    assert "No effect is shown" in page


def test_the_form_refuses_a_company_as_a_provider(world, admin_client):
    answer = admin_client.post(
        f"{RULES}add/", form(scope="provider", provider=str(world.valmet.pk))
    )

    assert "Valmet Automotive is not an education provider." in answer.content.decode()
    assert not Rule.objects.exists()
