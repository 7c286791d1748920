"""The learner's own page: pathways and next step, milestones, study plan, badges, inbox,
consents, and "export my data"."""

import json
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engagement.badges.models import BadgeClass, Issuer
from engagement.badges.services import badge_award
from engagement.network.models import Consent
from engagement.rules.models import Decision, StudyPlan
from engagement.rules.services import rule_create, study_plan_set
from notifications.models import Notification
from tests.engagement.dashboards.conftest import Scenario, login_as

URL = "/me/"


def _aino(scenario: Scenario) -> Client:
    return login_as(scenario.learners["aino"])


def _html(scenario: Scenario) -> str:
    response = _aino(scenario).get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_my_pathway_shows_milestones_done_and_the_next_step(
    scenario: Scenario, frozen: Any
) -> None:
    html = _html(scenario)
    assert "1 of 2 milestones completed" in html
    assert "Next step: <strong>Cell chemistry</strong>" in html
    assert 'id="my-milestones"' in html


def test_milestone_progress_is_listed(scenario: Scenario, frozen: Any) -> None:
    html = _html(scenario)
    assert '<td>Battery cell manufacturing: Safety</td><td class="num">2/2</td>' in html


def test_no_one_elses_learning_is_shown(scenario: Scenario, frozen: Any) -> None:
    assert "Bo Testinen" not in _html(scenario)


# --- Study plan -------------------------------------------------------------------------------


def _plan(scenario: Scenario, **data: Any) -> Any:
    return _aino(scenario).post(reverse("dashboards:learner_plan"), data)


def test_setting_a_weekly_goal_saves_it(scenario: Scenario, frozen: Any) -> None:
    assert _plan(scenario, days_per_week="3").status_code == 302
    assert StudyPlan.objects.get(person=scenario.learners["aino"]).days_per_week == 3
    assert "Goal: 3 days a week" in _html(scenario)


def test_editing_the_goal_keeps_the_preferred_times(scenario: Scenario, frozen: Any) -> None:
    times = [{"weekday": 0, "from": "18:00", "to": "20:00"}]
    study_plan_set(person=scenario.learners["aino"], days_per_week=2, preferred_times=times)
    _plan(scenario, hours_per_week="4.5")
    plan = StudyPlan.objects.get(person=scenario.learners["aino"])
    assert (plan.days_per_week, str(plan.hours_per_week)) == (None, "4.5")
    assert plan.preferred_times == times


def test_a_goal_in_both_days_and_hours_is_refused(scenario: Scenario, frozen: Any) -> None:
    response = _plan(scenario, days_per_week="3", hours_per_week="2")
    assert response.status_code == 400
    assert "Set one weekly goal" in response.content.decode()
    assert not StudyPlan.objects.exists()


def test_no_goal_at_all_is_refused(scenario: Scenario, frozen: Any) -> None:
    assert _plan(scenario).status_code == 400


def test_eight_days_a_week_is_refused(scenario: Scenario, frozen: Any) -> None:
    response = _plan(scenario, days_per_week="8")
    assert response.status_code == 400
    assert "Days a week" in response.content.decode()


def test_a_goal_that_is_not_a_number_is_refused(scenario: Scenario, frozen: Any) -> None:
    assert _plan(scenario, hours_per_week="lots").status_code == 400


def test_a_plan_post_without_csrf_is_refused(scenario: Scenario, frozen: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(login_as(scenario.learners["aino"]) and scenario.learners["aino"].user)  # type: ignore[arg-type]
    assert (
        client.post(reverse("dashboards:learner_plan"), {"days_per_week": "3"}).status_code == 403
    )


# --- Consents ---------------------------------------------------------------------------------


def test_my_consent_is_listed_with_a_way_to_stop(scenario: Scenario, frozen: Any) -> None:
    consent = Consent.objects.get(enrolment=scenario.enrolments["aino"])
    assert reverse("dashboards:learner_consent_revoke", args=[consent.pk]) in _html(scenario)


def test_giving_consent_shares_with_the_employer(scenario: Scenario, frozen: Any) -> None:
    bo = login_as(scenario.learners["bo"])
    response = bo.post(
        reverse("dashboards:learner_consent_give"),
        {"enrolment": scenario.enrolments["bo"].pk, "employer": scenario.company.pk},
    )
    assert response.status_code == 302
    assert Consent.objects.filter(enrolment=scenario.enrolments["bo"], revoked_at=None).exists()
    assert "Bo Testinen" in login_as(scenario.contact).get("/employer/").content.decode()


def test_sharing_someone_elses_enrolment_is_refused(scenario: Scenario, frozen: Any) -> None:
    response = _aino(scenario).post(
        reverse("dashboards:learner_consent_give"),
        {"enrolment": scenario.enrolments["bo"].pk, "employer": scenario.company.pk},
    )
    assert response.status_code == 400
    assert not Consent.objects.filter(enrolment=scenario.enrolments["bo"]).exists()


def test_sharing_with_a_provider_is_refused(scenario: Scenario, frozen: Any) -> None:
    response = _aino(scenario).post(
        reverse("dashboards:learner_consent_give"),
        {"enrolment": scenario.enrolments["aino"].pk, "employer": scenario.net.provider.pk},
    )
    assert response.status_code == 400
    assert "Employer" in response.content.decode()


def test_revoking_someone_elses_consent_is_not_found(scenario: Scenario, frozen: Any) -> None:
    consent = Consent.objects.get(enrolment=scenario.enrolments["aino"])
    bo = login_as(scenario.learners["bo"])
    url = reverse("dashboards:learner_consent_revoke", args=[consent.pk])
    assert bo.post(url).status_code == 404
    assert Consent.objects.get(pk=consent.pk).revoked_at is None


# --- Badges, inbox, export --------------------------------------------------------------------


def _badge(scenario: Scenario) -> Any:
    issuer = Issuer.objects.create(
        organisation=scenario.net.provider,
        name_en="Savonia",
        url="https://savonia.fi",
        email="badges@savonia.fi",
    )
    badge = BadgeClass.objects.create(
        issuer=issuer,
        milestone=scenario.net.safety,
        name_en="Battery safety",
        description_en="Works safely.",
    )
    return badge_award(
        badge_class=badge,
        recipient=scenario.learners["aino"],
        enrolment=scenario.enrolments["aino"],
    ).assertion


def test_my_badges_offer_both_downloads(scenario: Scenario, frozen: Any) -> None:
    assertion = _badge(scenario)
    html = _html(scenario)
    assert "Battery safety" in html
    assert f"/badges/v3/credentials/{assertion.uuid}.jwt" in html
    assert f"/badges/assertions/{assertion.uuid}/baked.png" in html


SHARE = "/me/badge-page/"


def test_my_badges_are_private_until_i_share_them(scenario: Scenario, frozen: Any) -> None:
    _badge(scenario)
    html = _html(scenario)
    assert "Your badges are private" in html
    assert "/badges/shared/" not in html


def test_sharing_my_badges_gives_a_public_page_others_can_open(
    scenario: Scenario, frozen: Any
) -> None:
    _badge(scenario)
    response = _aino(scenario).post(SHARE, {"action": "on"})
    assert response.status_code == 302

    html = _html(scenario)
    link = html.split('Your public badge page: <a href="', 1)[1].split('"', 1)[0]
    assert link.startswith("/badges/shared/")
    assert "Battery safety" in Client().get(link).content.decode()


def test_a_new_link_stops_the_old_one_and_off_stops_both(scenario: Scenario, frozen: Any) -> None:
    _badge(scenario)
    client = _aino(scenario)
    client.post(SHARE, {"action": "on"})
    old = _html(scenario).split('Your public badge page: <a href="', 1)[1].split('"', 1)[0]

    client.post(SHARE, {"action": "new_link"})
    new = _html(scenario).split('Your public badge page: <a href="', 1)[1].split('"', 1)[0]
    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200

    client.post(SHARE, {"action": "off"})
    assert Client().get(new).status_code == 404


def test_an_unknown_share_action_is_refused_and_changes_nothing(
    scenario: Scenario, frozen: Any
) -> None:
    client = _aino(scenario)
    client.post(SHARE, {"action": "on"})
    link = _html(scenario).split('Your public badge page: <a href="', 1)[1].split('"', 1)[0]

    response = client.post(SHARE, {"action": "everyone"})

    assert response.status_code == 400
    assert Client().get(link).status_code == 200


def test_sharing_badges_needs_a_login_and_a_post(scenario: Scenario, frozen: Any) -> None:
    assert Client().post(SHARE, {"action": "on"}).status_code == 302
    assert _aino(scenario).get(SHARE).status_code == 405


def _inbox_item(scenario: Scenario, person_key: str = "aino") -> Notification:
    return Notification.objects.create(
        person=scenario.learners[person_key],
        topic="achievements",
        template="x",
        idempotency_key=f"inbox-{person_key}",
        status=Notification.Status.SENT,
        channel="in_app",
        subject="Well done",
        not_before=timezone.now(),
    )


def test_my_inbox_shows_unread_and_marks_read(scenario: Scenario, frozen: Any) -> None:
    item = _inbox_item(scenario)
    assert "My notifications (1 unread)" in _html(scenario)
    response = _aino(scenario).post(reverse("dashboards:learner_notification_read", args=[item.pk]))
    assert response.status_code == 302
    assert Notification.objects.get(pk=item.pk).read_at is not None


def test_marking_someone_elses_notification_is_not_found(scenario: Scenario, frozen: Any) -> None:
    item = _inbox_item(scenario, "bo")
    url = reverse("dashboards:learner_notification_read", args=[item.pk])
    assert _aino(scenario).post(url).status_code == 404
    assert Notification.objects.get(pk=item.pk).read_at is None


def _chunks(response: Any) -> Any:
    return response.streaming_content


def _streamed(response: Any) -> Any:
    return json.loads(b"".join(_chunks(response)))


def test_export_holds_my_records_and_nobody_elses(scenario: Scenario, frozen: Any) -> None:
    _badge(scenario)
    _inbox_item(scenario)
    _inbox_item(scenario, "bo")
    response = _aino(scenario).get(reverse("dashboards:learner_export"))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(_chunks(response)).decode()
    data = json.loads(body)
    assert data["person"]["email"] == "aino@example.fi"
    assert [e["pathway"] for e in data["enrolments"]] == ["Battery cell manufacturing"]
    assert data["enrolments"][0]["progress"]["milestones_done"] == 1
    assert [b["badge"] for b in data["badges"]] == ["Battery safety"]
    mine = Notification.objects.filter(person=scenario.learners["aino"]).count()
    assert len(data["notifications"]) == mine == 2  # the badge's own, and the inbox item
    assert [c["employer"] for c in data["consents"]] == [scenario.company.name_en]
    assert "bo@example.fi" not in body


def test_export_holds_decisions_about_me_not_those_i_received_about_others(
    scenario: Scenario, frozen: Any
) -> None:
    """A teacher's red-light alert about Aino is data about Aino: in her export, not in the
    teacher's (the teacher's own export holds only the teacher's records)."""
    rule = rule_create(
        name="Red light to the teacher",
        definition={
            "kind": "teacher_alert",
            "action": {"type": "alert_teacher", "template": "red_light"},
        },
        holdout_share=0.0,
    )
    Decision.objects.create(
        rule=rule,
        version=rule.versions.get(),
        person=scenario.teacher,
        enrolment=scenario.enrolments["aino"],
        window="2026-W10",
        action={"type": "alert_teacher"},
        reasons=[{"code": "idle", "days": 15}],
        decided_at=timezone.now(),
    )

    aino = _streamed(_aino(scenario).get(reverse("dashboards:learner_export")))
    teacher = _streamed(login_as(scenario.teacher).get(reverse("dashboards:learner_export")))

    assert [d["rule"] for d in aino["decisions"]] == ["Red light to the teacher"]
    assert aino["decisions"][0]["reasons"] == ["inactive for 15 days"]
    assert teacher["decisions"] == []


def test_export_needs_a_login(db: None) -> None:
    assert Client().get(reverse("dashboards:learner_export")).status_code == 302
