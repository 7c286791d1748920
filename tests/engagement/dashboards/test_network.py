"""The network administrator's page: aggregates, overlap, rule effects, delivery health."""

from typing import Any

from django.utils import timezone

from engagement.network.models import Organisation
from engagement.rules.services import rule_create
from notifications.models import Notification, Suppression
from tests.engagement.dashboards.conftest import Scenario, login_as, person_with_role


def _get(scenario: Scenario) -> str:
    network_org = Organisation.objects.create(slug="net", name_en="Net", kind="network")
    response = login_as(person_with_role("network_admin", network_org)).get("/network/")
    assert response.status_code == 200
    return response.content.decode()


def test_enrolments_are_counted_per_pathway(scenario: Scenario, frozen: Any) -> None:
    html = _get(scenario)
    assert '<td>Battery cell manufacturing</td><td class="num">4</td><td class="num">0</td>' in html


def test_enrolments_are_counted_per_provider(scenario: Scenario, frozen: Any) -> None:
    row = '<td>Savonia UAS</td><td class="num">1</td><td class="num">4</td><td class="num">0</td>'
    assert row in _get(scenario)


def test_no_person_is_named(scenario: Scenario, frozen: Any) -> None:
    html = _get(scenario)
    assert "Aino" not in html
    assert "Testinen" not in html


def test_delivery_health_counts_sent_and_suppressed(scenario: Scenario, frozen: Any) -> None:
    Notification.objects.create(
        person=scenario.learners["bo"],
        topic="study_reminders",
        template="t",
        idempotency_key="k1",
        status=Notification.Status.SENT,
        not_before=timezone.now(),
    )
    Suppression.objects.create(email="bo@example.fi", reason="bounce")
    html = _get(scenario)
    assert '<div class="card"><strong>1</strong>sent</div>' in html
    assert '<div class="card"><strong>1</strong>addresses suppressed</div>' in html


def test_a_rule_shows_its_too_small_to_tell_statement(scenario: Scenario, frozen: Any) -> None:
    rule_create(
        name="Idle a week",
        definition={"kind": "inactive", "days": 7, "action": {"type": "nudge", "template": "x"}},
    )
    assert "Not measurable yet" in _get(scenario)
