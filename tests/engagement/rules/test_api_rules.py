"""The rules API (/api/rules/): network administrators only; definitions validated with
each problem naming its field; an edit of the definition is a new version; previews record
nothing; effectiveness reports the arms; lists read in a fixed number of queries."""

import datetime as dt

import pytest
import yaml
from django.core.management import call_command

from engagement.rules import services
from engagement.rules.models import Decision, Rule, RuleVersion
from tests.engagement.rules.api_fixtures import (
    INACTIVE,
    patch,
    post,
    rule,
    rules_urls,
    world,
)

__all__ = ["rule", "rules_urls", "world"]  # fixtures

ADMINS = ["admin", "superuser"]
OTHERS = ["aino", "teacher", "other_teacher", "employer", "no_person"]


def paths(rule: Rule) -> list[tuple[str, str]]:
    base = f"/api/rules/{rule.pk}/"
    return [
        ("get", "/api/rules/"),
        ("post", "/api/rules/"),
        ("get", base),
        ("patch", base),
        ("get", f"{base}versions/"),
        ("post", f"{base}enable/"),
        ("post", f"{base}disable/"),
        ("get", f"{base}preview/"),
        ("get", f"{base}effectiveness/"),
    ]


def call(client, method: str, path: str):
    if method == "get":
        return client.get(path)
    body = {"name": "Renamed"} if method == "patch" else {"name": "New", "definition": INACTIVE}
    send = post if method == "post" else patch
    return send(client, path, body)


@pytest.mark.parametrize("who", OTHERS)
def test_it_refuses_everyone_but_network_administrators(world, rule, who):
    client = world.client(who)

    answers = {path: call(client, method, path) for method, path in paths(rule)}

    assert {p: a.status_code for p, a in answers.items()} == dict.fromkeys(answers, 403)
    assert all(
        a.json() == {"detail": "Only a network administrator may do this."}
        for a in answers.values()
    )
    rule.refresh_from_db()
    assert (rule.name, rule.enabled, Rule.objects.count()) == ("Come back", True, 1)


def test_it_refuses_anonymous_callers(world, rule):
    client = world.client("anonymous")

    for method, path in paths(rule):
        answer = call(client, method, path)
        assert answer.status_code == 403, path
        assert answer.json()["detail"] == "Authentication credentials were not provided."


@pytest.mark.parametrize("who", ADMINS)
def test_it_serves_every_endpoint_to_administrators(world, rule, who):
    client = world.client(who)

    codes = [call(client, method, path).status_code for method, path in paths(rule)]

    assert codes == [200, 201, 200, 200, 200, 200, 200, 200, 200]


def test_it_answers_404_for_a_rule_that_does_not_exist(world):
    assert world.client("admin").get("/api/rules/999/").status_code == 404


def test_it_creates_a_rule_at_version_1(world):
    admin = world.client("admin")

    created = post(
        admin,
        "/api/rules/",
        {
            "name": "Come back (Sedu pathway)",
            "scope": "pathway",
            "pathway": world.pathway.slug,
            "holdout_share": 0.2,
            "definition": INACTIVE,
        },
    )

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["scope"] == "pathway"
    assert body["pathway"] == "cells"
    assert body["holdout_share"] == 0.2
    assert body["current_version"]["number"] == 1
    assert body["current_version"]["definition"] == INACTIVE
    assert body["current_version"]["created_by"] == "admin"


def test_a_new_definition_makes_a_new_version_and_other_changes_do_not(world, rule):
    admin = world.client("admin")
    path = f"/api/rules/{rule.pk}/"

    renamed = patch(admin, path, {"name": "Welcome back", "holdout_share": 0.25})
    same = patch(admin, path, {"definition": INACTIVE})
    edited = patch(admin, path, {"definition": {**INACTIVE, "days": 14}})
    versions = admin.get(f"{path}versions/").json()["results"]

    assert renamed.json()["current_version"]["number"] == 1
    assert (renamed.json()["name"], renamed.json()["holdout_share"]) == ("Welcome back", 0.25)
    assert same.json()["current_version"]["number"] == 1
    assert edited.status_code == 200
    assert edited.json()["current_version"]["number"] == 2
    assert edited.json()["current_version"]["definition"]["days"] == 14
    assert [(v["number"], v["definition"]["days"]) for v in versions] == [(2, 14), (1, 7)]
    assert RuleVersion.objects.filter(rule=rule).count() == 2


def test_decisions_keep_the_version_that_made_them(world, rule):
    services.sweep_batch([world.aino.pk], dt.datetime(2026, 3, 1, tzinfo=dt.UTC))

    patch(world.client("admin"), f"/api/rules/{rule.pk}/", {"definition": {**INACTIVE, "days": 9}})

    assert Decision.objects.get().version.number == 1


def test_it_switches_a_rule_off_and_on_clearing_the_error(world, rule):
    admin = world.client("admin")
    services.rule_disable_for_error(rule_id=rule.pk, error=ZeroDivisionError("pace"))

    listed = admin.get(f"/api/rules/{rule.pk}/").json()
    enabled = admin.post(f"/api/rules/{rule.pk}/enable/").json()
    disabled = admin.post(f"/api/rules/{rule.pk}/disable/").json()
    patched = patch(admin, f"/api/rules/{rule.pk}/", {"enabled": True}).json()

    assert not listed["enabled"]
    assert "ZeroDivisionError: pace" in listed["disabled_reason"]
    assert (enabled["enabled"], enabled["disabled_reason"]) == (True, "")
    assert (disabled["enabled"], disabled["disabled_reason"]) == (False, "")
    assert patched["enabled"]


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": "x", "definition": {**INACTIVE, "days": 0}}, "definition",
         "definition.days: Input should be greater than or equal to 1"),
        ({"name": "x", "definition": {**INACTIVE, "days": "7"}}, "definition",
         "definition.days: Input should be a valid integer"),
        ({"name": "x", "definition": {"kind": "sleepy", "action": INACTIVE["action"]}},
         "definition", "definition.kind: unknown kind 'sleepy'"),
        ({"name": "x", "definition": {**INACTIVE, "action": {"type": "nudge"}}}, "definition",
         "definition.action.template: is required"),
        ({"name": "x", "definition": {**INACTIVE, "colour": "red"}}, "definition",
         "definition.colour: is not a property of this kind of rule"),
        ({"name": "x", "definition": {**INACTIVE, "action": {"type": "award_badge",
          "badge_class": "b"}}}, "definition", "definition.action.type: award_badge is for"),
        ({"name": "x", "definition": ["inactive"]}, "definition",
         "definition: Input should be a valid dictionary"),
        ({"name": "x"}, "definition", "This field is required."),
        ({"name": "", "definition": INACTIVE}, "name", "This field may not be blank."),
        ({"name": "x" * 201, "definition": INACTIVE}, "name", "no more than 200 characters"),
        ({"name": 7.5, "definition": INACTIVE, "holdout_share": "lots"}, "holdout_share",
         "A valid number is required."),
        ({"name": "x", "definition": INACTIVE, "holdout_share": 0.9}, "holdout_share",
         "less than or equal to 0.5"),
        ({"name": "x", "definition": INACTIVE, "scope": "galaxy"}, "scope", "not a valid choice"),
        ({"name": "x", "definition": INACTIVE, "scope": "pathway"}, "pathway",
         "pathway: a rule of scope pathway needs its pathway"),
        ({"name": "x", "definition": INACTIVE, "pathway": "cells"}, "pathway",
         "pathway: a rule of scope network takes no pathway"),
        ({"name": "x", "definition": INACTIVE, "pathway": "nowhere"}, "pathway",
         "Object with slug=nowhere does not exist."),
        ({"name": "x", "definition": INACTIVE, "holdout": 0.2}, "holdout", "Unknown field"),
    ],
)  # fmt: skip
def test_it_refuses_bad_rules_naming_the_field(world, body, field, message):
    answer = post(world.client("admin"), "/api/rules/", body)

    assert answer.status_code == 400, answer.content
    assert any(message in text for text in answer.json()[field]), answer.json()
    assert not Rule.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"scope": "cohort"}, "scope", "Unknown field, or one that cannot be set here."),
        ({"definition": {**INACTIVE, "days": 400}}, "definition",
         "definition.days: Input should be less than or equal to 365"),
        ({"enabled": "sometimes"}, "enabled", "Must be a valid boolean."),
        ({"holdout_share": -0.1}, "holdout_share", "greater than or equal to 0"),
    ],
)  # fmt: skip
def test_it_refuses_bad_changes_and_keeps_the_rule(world, rule, body, field, message):
    answer = patch(world.client("admin"), f"/api/rules/{rule.pk}/", body)

    assert answer.status_code == 400
    assert any(message in text for text in answer.json()[field]), answer.json()
    rule.refresh_from_db()
    assert (rule.scope, rule.current_version.number, rule.enabled) == ("network", 1, True)


def test_it_refuses_malformed_json_and_other_media_types(world):
    admin = world.client("admin")

    malformed = admin.post("/api/rules/", '{"name": "x", ', content_type="application/json")
    form = admin.post("/api/rules/", {"name": "x", "definition": "{}"})
    listed = admin.post("/api/rules/", "[1, 2]", content_type="application/json")

    assert malformed.status_code == 400
    assert malformed.json()["detail"].startswith("JSON parse error")
    assert form.status_code == 415
    assert listed.status_code == 400
    assert "Expected a dictionary" in listed.json()["non_field_errors"][0]


def test_it_refuses_an_oversize_body_before_parsing_it(world):
    body = {"name": "x", "definition": {**INACTIVE, "padding": "x" * (1024 * 1024)}}

    answer = post(world.client("admin"), "/api/rules/", body)

    assert answer.status_code == 413
    assert "larger than" in answer.json()["detail"]


# --- Preview and effectiveness -------------------------------------------------------------------


def test_the_preview_shows_who_and_why_and_records_nothing(world, rule):
    services.rule_create(
        name="Withdrawn ones",
        definition={**INACTIVE, "days": 8},
    )
    world.mikko_enrolment.status = "withdrawn"
    world.mikko_enrolment.save(update_fields=["status"])

    preview = world.client("admin").get(f"/api/rules/{rule.pk}/preview/").json()

    assert [(a["person_name"], a["window"]) for a in preview["acts_on"]] == [
        ("Aino Virtanen", f"inactive-since:{world.aino_enrolment.started_on.isoformat()}")
    ]
    assert preview["acts_on"][0]["reasons"][0].startswith("no activity yet for ")
    assert preview["acts_on"][0]["holdout"] in ("", "rule", "global")
    assert (preview["candidates"], preview["evaluated"]) == (1, 1)  # withdrawn: not a candidate
    assert "Nothing was recorded or sent." in preview["note"]
    assert not Decision.objects.exists()


def test_the_preview_says_when_it_evaluated_only_some(world, rule, monkeypatch):
    monkeypatch.setattr("engagement.rules.previews.PREVIEW_LIMIT", 1)

    preview = world.client("admin").get(f"/api/rules/{rule.pk}/preview/").json()

    assert (preview["candidates"], preview["evaluated"], len(preview["acts_on"])) == (2, 1, 1)
    assert "Only the first 1 of 2 candidate learners were evaluated" in preview["note"]


def test_the_preview_of_an_event_rule_explains_itself(world):
    event_rule = services.rule_create(
        name="Well done",
        definition={"kind": "pathway_completed", "action": {"type": "nudge", "template": "x"}},
    )

    preview = world.client("admin").get(f"/api/rules/{event_rule.pk}/preview/").json()

    assert preview["acts_on"] == preview["left_out"] == []
    assert "event rule" in preview["note"]


def test_effectiveness_reports_each_arm_and_version(world, rule, settings):
    settings.KIPINA_RULES_GLOBAL_HOLDOUT = 0.0
    decided = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    for person, enrolment, holdout in [
        (world.aino, world.aino_enrolment, ""),
        (world.mikko, world.mikko_enrolment, "global"),
    ]:
        Decision.objects.create(
            rule=rule, version=rule.current_version, person=person, enrolment=enrolment,
            window="w", action={}, holdout=holdout, decided_at=decided,
        )  # fmt: skip

    report = world.client("admin").get(f"/api/rules/{rule.pk}/effectiveness/").json()

    (version,) = report["versions"]
    assert version["version"] == 1
    assert version["decisions"] == {"nudged": 1, "held_out_rule": 0, "held_out_global": 1}
    came_back = report["all_versions"]["came_back"]
    assert came_back["nudged"]["n"] == came_back["held_out_global"]["n"] == 1
    assert came_back["held_out"] == came_back["held_out_global"]
    assert came_back["difference"] == 0.0
    assert came_back["interval"]["low"] < 0 < came_back["interval"]["high"]
    assert "No effect is shown" in came_back["statement"]
    assert "Newcombe" in report["method"]


# --- Query counts and the schema ---------------------------------------------------------------


def grow(times: int) -> None:
    for n in range(times):
        grown = services.rule_create(name=f"Rule {n}", definition=INACTIVE)
        services.rule_update(rule=grown, definition={**INACTIVE, "days": 8})


@pytest.mark.parametrize("suffix", ["", "versions/"])
def test_lists_read_in_a_fixed_number_of_queries(world, rule, suffix, django_assert_num_queries):
    admin = world.client("admin")
    path = "/api/rules/" if not suffix else f"/api/rules/{rule.pk}/{suffix}"
    admin.get(path)  # session and user are loaded once per client
    grow(2)
    with django_assert_num_queries(5 if not suffix else 6) as few:
        admin.get(path)
    grow(10)
    for n in range(5):
        services.rule_update(rule=rule, definition={**INACTIVE, "days": 20 + n})
    with django_assert_num_queries(len(few.captured_queries)):
        admin.get(path)


def test_effectiveness_reads_in_a_fixed_number_of_queries(world, rule, django_assert_num_queries):
    """Session, user, viewer, rule, and the selector's two grouped queries."""
    admin = world.client("admin")
    path = f"/api/rules/{rule.pk}/effectiveness/"
    admin.get(path)
    with django_assert_num_queries(6):
        admin.get(path)
    services.rule_update(rule=rule, definition={**INACTIVE, "days": 8})
    for n, (person, enrolment) in enumerate(
        [(world.aino, world.aino_enrolment), (world.mikko, world.mikko_enrolment)] * 5
    ):
        Decision.objects.create(
            rule=rule, version=rule.current_version, person=person, enrolment=enrolment,
            window=f"w{n}", action={}, holdout=["", "rule", "global"][n % 3],
            decided_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        )  # fmt: skip
    with django_assert_num_queries(6):
        admin.get(path)


@pytest.mark.django_db
def test_it_documents_every_endpoint_in_a_schema_without_warnings(tmp_path, rules_urls):
    schema_path = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema_path))

    schema = yaml.safe_load(schema_path.read_text())
    expected = [
        "/api/rules/", "/api/rules/{id}/", "/api/rules/{id}/versions/",
        "/api/rules/{id}/enable/", "/api/rules/{id}/disable/", "/api/rules/{id}/preview/",
        "/api/rules/{id}/effectiveness/", "/api/rules/study-plan/", "/api/rules/traffic-lights/",
    ]  # fmt: skip
    assert [p for p in expected if p not in schema["paths"]] == []
    for p in expected:
        for operation in schema["paths"][p].values():
            assert operation.get("summary"), operation["operationId"]
