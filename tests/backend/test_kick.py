"""backend.celery.kick: ask for background work without ever failing the caller."""

import pytest
from django.core.cache import cache

from backend.celery import app, kick


@pytest.fixture(autouse=True)
def _broker_mode():
    """Celery's settings object cannot be monkeypatched; set and restore by hand."""
    eager = app.conf.task_always_eager
    cache.clear()
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = eager


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


def test_it_does_nothing_in_eager_mode(monkeypatch):
    app.conf.task_always_eager = True
    monkeypatch.setattr(app, "send_task", lambda *a, **k: pytest.fail("sent in eager mode"))

    kick("progress.project")
