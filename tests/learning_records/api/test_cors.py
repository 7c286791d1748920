"""CORS for browser senders: cmi5 content posts statements from the learner's browser."""

import pytest

pytestmark = pytest.mark.django_db


def test_it_allows_a_cross_origin_preflight_with_xapi_headers(client):
    response = client.options(
        "/xapi/statements",
        headers={
            "Origin": "https://content.example.fi",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": (
                "authorization, content-type, x-experience-api-version"
            ),
        },
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] in ("*", "https://content.example.fi")
    allowed = response["Access-Control-Allow-Headers"].lower()
    assert "x-experience-api-version" in allowed
    assert "authorization" in allowed
    assert "PUT" in response["Access-Control-Allow-Methods"]


def test_it_exposes_the_xapi_headers_to_the_browser(lrs):
    response = lrs.get("/xapi/statements", headers={"Origin": "https://content.example.fi"})

    exposed = response["Access-Control-Expose-Headers"].lower()
    assert "x-experience-api-consistent-through" in exposed
    assert "x-experience-api-version" in exposed
    assert "retry-after" in exposed


def test_it_sends_no_cors_headers_outside_xapi(client):
    response = client.get("/healthz", headers={"Origin": "https://content.example.fi"})

    assert "Access-Control-Allow-Origin" not in response
