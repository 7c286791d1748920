"""The teacher's cohort page: lights with reasons, funnel, activity, CSV, messaging.

In the scenario Aino completed Safety on 3 Feb (amber: inactive 7 days), Bo passed one quiz
on 4 Feb (green), Cai has done nothing (red); the clock is 10 Feb."""

import csv
import io
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engagement.network.models import Person
from notifications.models import Notification, Topic
from notifications.services import notification_deliver, topic_unsubscribe
from tests.engagement.dashboards.conftest import Scenario, enrol, login_as


def _url(scenario: Scenario, name: str = "dashboards:teacher") -> str:
    return reverse(name, args=[scenario.cohort.pk])


def _get(scenario: Scenario) -> str:
    response = login_as(scenario.teacher).get(_url(scenario))
    assert response.status_code == 200
    return response.content.decode()


def test_the_list_shows_each_learner_with_light_reason_and_last_activity(
    scenario: Scenario, frozen: Any
) -> None:
    html = _get(scenario)
    aino = scenario.enrolments["aino"].pk
    assert f'data-enrolment="{aino}" data-colour="amber"' in html
    assert "inactive for 7 days" in html
    assert '<time datetime="2026-02-03T11:00:00+02:00">' in html
    assert f'data-enrolment="{scenario.enrolments["cai"].pk}" data-colour="red"' in html


def test_reasons_are_worded_in_the_readers_language(scenario: Scenario, frozen: Any) -> None:
    client = login_as(scenario.teacher)
    html = client.get(_url(scenario), headers={"accept-language": "fi"}).content.decode()
    assert "inactive for 7 days" not in html
    assert 'lang="fi"' in html


def test_the_funnel_counts_learners_per_milestone(scenario: Scenario, frozen: Any) -> None:
    html = _get(scenario)
    assert '<tr><td>Safety</td><td class="num">1</td></tr>' in html
    assert '<tr><td>Cell chemistry</td><td class="num">0</td></tr>' in html
    assert 'id="milestone-funnel"' in html


def test_the_heatmap_counts_learners_active_per_day(scenario: Scenario, frozen: Any) -> None:
    html = _get(scenario)
    assert 'id="activity-heatmap"' in html
    assert '<td>Tue 3.2.2026</td><td class="num">1</td>' in html
    assert '<td>Wed 4.2.2026</td><td class="num">1</td>' in html


def test_a_teacher_with_one_cohort_lands_on_it(scenario: Scenario, frozen: Any) -> None:
    response = login_as(scenario.teacher).get(reverse("dashboards:teacher"))
    assert scenario.cohort.name in response.content.decode()
    assert 'id="learners"' in response.content.decode()


def test_another_teachers_cohort_is_not_found(scenario: Scenario, frozen: Any) -> None:
    url = reverse("dashboards:teacher", args=[scenario.other_cohort.pk])
    assert login_as(scenario.teacher).get(url).status_code == 404


def test_a_teacher_whose_role_is_elsewhere_does_not_see_the_cohort(
    scenario: Scenario, frozen: Any
) -> None:
    scenario.teacher.roles.update(organisation=scenario.company)
    scenario.teacher.roles.update(kind="teacher")
    assert login_as(scenario.teacher).get(_url(scenario)).status_code == 404


def test_the_csv_lists_every_learner(scenario: Scenario, frozen: Any) -> None:
    response = login_as(scenario.teacher).get(_url(scenario, "dashboards:teacher_csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Learner", "Pathway", "Status", "Light"]
    assert [(r[0], r[3]) for r in rows[1:]] == [
        ("Bo Testinen", "green"),
        ("Cai Testinen", "red"),
        ("Aino Virtanen", "amber"),
    ]


def test_the_csv_writes_a_formula_like_name_as_text(scenario: Scenario, frozen: Any) -> None:
    Person.objects.filter(pk=scenario.learners["bo"].pk).update(given_name="=HYPERLINK(1)")
    response = login_as(scenario.teacher).get(_url(scenario, "dashboards:teacher_csv"))
    assert "'=HYPERLINK(1) Testinen" in response.content.decode()


def test_another_teachers_cohort_cannot_be_exported(scenario: Scenario, frozen: Any) -> None:
    url = reverse("dashboards:teacher_csv", args=[scenario.other_cohort.pk])
    assert login_as(scenario.teacher).get(url).status_code == 404


# --- "Message learners who…" ------------------------------------------------------------------


def _message(scenario: Scenario, client: Client | None = None, **data: Any) -> Any:
    client = client or login_as(scenario.teacher)
    return client.post(_url(scenario, "dashboards:teacher_message"), data, follow=True)


def _deliver() -> None:
    """What the worker does with each due notification (the dispatcher's service)."""
    for notification in Notification.objects.all():
        notification_deliver(notification_id=notification.pk, now=timezone.now())


def test_messaging_amber_learners_notifies_only_them(scenario: Scenario, frozen: Any) -> None:
    response = _message(scenario, colour="amber")
    assert response.status_code == 200
    made = Notification.objects.all()
    assert [n.person_id for n in made] == [scenario.learners["aino"].pk]
    assert made[0].topic == Topic.STUDY_REMINDERS
    assert "handed to the dispatcher for 1 learner" in response.content.decode()


def test_the_dispatcher_delivers_the_message(scenario: Scenario, frozen: Any) -> None:
    _message(scenario, colour="amber")
    _deliver()
    assert Notification.objects.get().status == Notification.Status.SENT


def test_a_second_click_sends_nothing_twice(scenario: Scenario, frozen: Any) -> None:
    _message(scenario, colour="amber")
    response = _message(scenario, colour="amber")
    assert Notification.objects.count() == 1
    assert "already had your message today" in response.content.decode()


def test_a_learner_who_opted_out_is_told_of_and_not_sent_to(
    scenario: Scenario, frozen: Any
) -> None:
    topic_unsubscribe(person_id=scenario.learners["aino"].pk, topic=Topic.STUDY_REMINDERS)
    response = _message(scenario, colour="amber")
    _deliver()
    assert "1 of them has opted out of study reminders" in response.content.decode()
    assert Notification.objects.get().status == Notification.Status.DROPPED
    inbox = login_as(scenario.learners["aino"]).get("/me/").content.decode()
    assert "My notifications (0 unread)" in inbox


def test_ticked_learners_narrow_the_colour(scenario: Scenario, frozen: Any) -> None:
    _message(scenario, colour="all", enrolments=[scenario.enrolments["cai"].pk])
    assert [n.person_id for n in Notification.objects.all()] == [scenario.learners["cai"].pk]


def test_another_cohorts_learner_is_refused(scenario: Scenario, frozen: Any) -> None:
    outsider = scenario.other_cohort.enrolments.get()
    response = _message(scenario, colour="all", enrolments=[outsider.pk])
    assert response.status_code == 400
    assert "not one of the available choices" in response.content.decode()
    assert not Notification.objects.exists()


def test_a_learner_outside_any_cohort_is_refused(scenario: Scenario, frozen: Any) -> None:
    stranger = enrol(scenario.net, "Eve")
    response = _message(scenario, colour="all", enrolments=[stranger.pk])
    assert response.status_code == 400


def test_an_unknown_colour_is_refused(scenario: Scenario, frozen: Any) -> None:
    response = _message(scenario, colour="purple")
    assert response.status_code == 400
    assert "Message learners who are" in response.content.decode()


def test_a_non_number_enrolment_is_refused(scenario: Scenario, frozen: Any) -> None:
    assert _message(scenario, colour="all", enrolments=["x"]).status_code == 400


def test_a_missing_colour_is_refused(scenario: Scenario, frozen: Any) -> None:
    assert _message(scenario).status_code == 400


def test_a_post_without_the_csrf_token_is_refused(scenario: Scenario, frozen: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(login_as(scenario.teacher) and scenario.teacher.user)  # type: ignore[arg-type]
    response = client.post(_url(scenario, "dashboards:teacher_message"), {"colour": "all"})
    assert response.status_code == 403
    assert not Notification.objects.exists()


def test_messaging_another_teachers_cohort_is_not_found(scenario: Scenario, frozen: Any) -> None:
    url = reverse("dashboards:teacher_message", args=[scenario.other_cohort.pk])
    assert login_as(scenario.teacher).post(url, {"colour": "all"}).status_code == 404
    assert not Notification.objects.exists()


def test_the_message_action_takes_only_post(scenario: Scenario, frozen: Any) -> None:
    assert (
        login_as(scenario.teacher).get(_url(scenario, "dashboards:teacher_message")).status_code
        == 405
    )


def test_an_employer_cannot_message_learners(scenario: Scenario, frozen: Any) -> None:
    response = login_as(scenario.contact).post(
        _url(scenario, "dashboards:teacher_message"), {"colour": "all"}
    )
    assert response.status_code == 403


def test_an_oversize_body_is_refused(scenario: Scenario, frozen: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = _message(scenario, colour="all", note="x" * 4096)
    assert response.status_code == 400
    assert not Notification.objects.exists()


def test_too_many_ticked_learners_are_refused(
    scenario: Scenario, frozen: Any, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    response = _message(scenario, colour="all", enrolments=list(range(1, 50)))
    assert response.status_code == 400
    assert not Notification.objects.exists()


def test_a_learner_without_activity_shows_the_pathways_milestones(
    scenario: Scenario, frozen: Any
) -> None:
    rows = list(
        csv.reader(
            io.StringIO(
                login_as(scenario.teacher)
                .get(_url(scenario, "dashboards:teacher_csv"))
                .content.decode()
            )
        )
    )
    cai = next(row for row in rows if row[0] == "Cai Testinen")
    assert (cai[5], cai[6], cai[7]) == ("", "0", "2")
