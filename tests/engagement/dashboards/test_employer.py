"""The employer's staff page: consented employees only, completion and badges only.

In the scenario Aino shares her enrolment with the company; Bo and Cai share nothing."""

from typing import Any

from django.urls import reverse

from engagement.network import services as network
from engagement.network.models import Consent
from notifications.models import Preference
from tests.engagement.dashboards.conftest import Scenario, login_as, person_with_role

URL = "/employer/"


def _get(scenario: Scenario) -> str:
    response = login_as(scenario.contact).get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_a_consenting_employee_is_shown_with_completion(scenario: Scenario, frozen: Any) -> None:
    html = _get(scenario)
    assert "<td>Aino Virtanen</td><td>Battery cell manufacturing</td>" in html
    assert '<td class="num">1/2</td><td>not yet</td>' in html


def test_employees_who_did_not_consent_are_not_shown(scenario: Scenario, frozen: Any) -> None:
    html = _get(scenario)
    assert "Bo Testinen" not in html
    assert "Cai Testinen" not in html


def test_no_activity_or_risk_is_shown(scenario: Scenario, frozen: Any) -> None:
    html = _get(scenario)
    assert "data-colour" not in html
    assert "inactive" not in html
    assert "11:00" not in html  # Aino's last activity time


def test_milestone_completion_is_counted(scenario: Scenario, frozen: Any) -> None:
    html = _get(scenario)
    safety = '<tr><td>Battery cell manufacturing: Safety</td><td class="num">1</td>'
    assert safety + '<td class="num">1</td></tr>' in html
    assert 'id="completion-timeline"' in html


def test_revoking_consent_drops_the_employee_at_once(scenario: Scenario, frozen: Any) -> None:
    network.consent_revoke(consent=Consent.objects.get(enrolment=scenario.enrolments["aino"]))
    html = _get(scenario)
    assert "Aino Virtanen" not in html
    assert 'id="nobody-shares"' in html


def test_the_learner_revoking_on_her_page_drops_her(scenario: Scenario, frozen: Any) -> None:
    consent = Consent.objects.get(enrolment=scenario.enrolments["aino"])
    learner = login_as(scenario.learners["aino"])
    learner.post(reverse("dashboards:learner_consent_revoke", args=[consent.pk]))
    assert "Aino Virtanen" not in _get(scenario)


def test_a_consent_to_another_company_is_not_shown(scenario: Scenario, frozen: Any) -> None:
    other = person_with_role(
        "employer_contact",
        network.organisation_create(slug="other-co", name_en="Other Oy", kind="company"),
    )
    html = login_as(other).get(URL).content.decode()
    assert "Aino Virtanen" not in html
    assert 'id="nobody-shares"' in html


def test_the_page_explains_why_data_is_limited(scenario: Scenario, frozen: Any) -> None:
    assert "759/2004" in _get(scenario)


def test_the_summary_frequency_is_shown_and_changed(scenario: Scenario, frozen: Any) -> None:
    client = login_as(scenario.contact)
    assert '<option value="weekly" selected>' in client.get(URL).content.decode()
    response = client.post(reverse("dashboards:employer_summary"), {"summary_frequency": "monthly"})
    assert response.status_code == 302
    assert Preference.objects.get(person=scenario.contact).summary_frequency == "monthly"
    assert '<option value="monthly" selected>' in client.get(URL).content.decode()


def test_an_unknown_frequency_is_refused(scenario: Scenario, frozen: Any) -> None:
    response = login_as(scenario.contact).post(
        reverse("dashboards:employer_summary"), {"summary_frequency": "daily"}
    )
    assert response.status_code == 400
    assert "Summary e-mail" in response.content.decode()
    assert not Preference.objects.filter(person=scenario.contact).exists()


def test_a_teacher_cannot_change_an_employer_setting(scenario: Scenario, frozen: Any) -> None:
    response = login_as(scenario.teacher).post(
        reverse("dashboards:employer_summary"), {"summary_frequency": "monthly"}
    )
    assert response.status_code == 403
