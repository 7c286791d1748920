import pytest


@pytest.mark.django_db
def test_it_shows_where_an_lms_connects(client):
    response = client.get("/")

    assert response.status_code == 200
    assert b"http://testserver/xapi/" in response.content
    assert b'href="/admin/"' in response.content
