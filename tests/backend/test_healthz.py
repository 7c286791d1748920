"""/healthz tells what this process can reach."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import need_service

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_it_reports_ok_when_embedded(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["workers"]["detail"].startswith("eager")


@pytest.mark.django_db
def test_it_reports_a_missing_worker_as_degraded_not_down(client, settings):
    redis_url = need_service("Redis", "REDIS_URL")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from backend.celery import app

    # A Redis database no worker listens on: other tests may run a worker on REDIS_URL.
    lonely = redis_url.rsplit("/", 1)[0] + "/14"
    original = app.conf.broker_url
    app.conf.broker_url = lonely  # type: ignore[misc]
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original  # type: ignore[misc]

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["checks"]["broker"]["status"] == "ok"
    assert body["checks"]["workers"]["status"] == "down"


@pytest.mark.django_db
def test_it_refuses_post(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.live
def test_a_real_worker_answers_the_health_ping():
    redis_url = need_service("Redis", "REDIS_URL")
    environment = {**os.environ, "REDIS_URL": redis_url}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "backend",
            "worker",
            "--pool",
            "solo",
            "--hostname",
            f"healthz-{os.getpid()}@%h",
            # A queue of its own: with REDIS_URL shared by the whole suite, other tests' queued
            # tasks would otherwise keep this one-task-at-a-time worker from answering the
            # ping (a ping is a broadcast, not a task, so it needs no queue).
            "--queues",
            f"healthz-{os.getpid()}",
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        checker = [
            sys.executable,
            "-c",
            "import django, json; django.setup();"
            "from backend.health import _workers; print(_workers())",
        ]
        deadline = time.monotonic() + 30
        while True:
            result = subprocess.run(
                checker,
                cwd=ROOT,
                env={**environment, "DJANGO_SETTINGS_MODULE": "backend.settings"},
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            if result.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert result.returncode == 0, result.stderr[-2000:]
        assert "answering" in result.stdout
    finally:
        worker.terminate()
        worker.wait(timeout=20)
