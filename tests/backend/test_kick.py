"""backend.celery.kick: ask for background work without ever failing the caller."""

import pytest
from django.core.cache import cache

from backend.celery import app, kick


@pytest.fixture(autouse=True)
def _broker_mode(settings):
    """Celery reads its configuration from Django's settings (the CELERY_ namespace); since
    Celery 5.6 a value set on app.conf under its short name does not stick, so the Django
    setting is what a test changes (pytest-django restores it)."""
    cache.clear()
    settings.CELERY_TASK_ALWAYS_EAGER = False


@pytest.fixture
def sent(monkeypatch):
    calls = []
    monkeypatch.setattr(app, "send_task", lambda name, **options: calls.append((name, options)))
    return calls


def test_it_sends_the_task_by_name(sent):
    kick("progress.project")

    assert sent == [("progress.project", {"countdown": 0, "retry": False})]


def test_it_sends_one_delayed_kick_per_window(sent):
    for _ in range(5):
        kick("progress.project", countdown=30)

    assert len(sent) == 1


def test_it_swallows_a_broker_failure(monkeypatch, caplog):
    def refuse(name, **options):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(app, "send_task", refuse)

    kick("progress.project")

    assert "could not kick progress.project" in caplog.text


def test_it_does_nothing_in_eager_mode(monkeypatch, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setattr(app, "send_task", lambda *a, **k: pytest.fail("sent in eager mode"))

    kick("progress.project")
