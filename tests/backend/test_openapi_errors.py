"""What the schema promises about refusals and formats holds for real answers."""

import re

import pytest
from django.test import Client

from backend.openapi import TIME_PATTERN


@pytest.mark.django_db
def test_it_answers_an_unknown_api_url_in_json(client: Client) -> None:
    response = client.get("/api/events/not-a-uuid/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_it_answers_an_unknown_page_with_the_html_page(client: Client) -> None:
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("value", ["20:00", "20:00:00", "08:00:00.5", "23:59:59.123456"])
def test_the_time_pattern_takes_what_drf_writes_and_reads(value: str) -> None:
    assert re.match(TIME_PATTERN, value)


@pytest.mark.parametrize("value", ["24:00", "8:00", "20:60", "20:00+02:00", "20"])
def test_the_time_pattern_refuses_what_is_not_a_time_of_day(value: str) -> None:
    assert not re.match(TIME_PATTERN, value)
