"""The pages speak Finnish, Swedish and English, switched with Django's set_language."""

from typing import Any

import pytest
from django.urls import reverse

from tests.engagement.dashboards.conftest import Scenario, login_as


@pytest.mark.parametrize(
    ("language", "heading"),
    [("fi", "Viikoittainen aktiivisuus"), ("sv", "Aktivitet per vecka"), ("en", "Weekly activity")],
)
def test_the_teacher_page_is_in_the_readers_language(
    scenario: Scenario, frozen: Any, language: str, heading: str
) -> None:
    client = login_as(scenario.teacher)
    url = reverse("dashboards:teacher", args=[scenario.cohort.pk])
    html = client.get(url, headers={"accept-language": language}).content.decode()
    assert f'<html lang="{language}">' in html
    assert heading in html


def test_the_language_switch_changes_the_page(scenario: Scenario, frozen: Any) -> None:
    client = login_as(scenario.learners["aino"])
    response = client.post(reverse("set_language"), {"language": "sv", "next": "/me/"})
    assert response.status_code == 302
    assert "Mitt lärande" in client.get("/me/").content.decode()


def test_the_employer_explanation_is_translated(scenario: Scenario, frozen: Any) -> None:
    html = login_as(scenario.contact).get("/employer/", headers={"accept-language": "fi"})
    assert "Laki yksityisyyden suojasta työelämässä (759/2004, 3 §)" in html.content.decode()
