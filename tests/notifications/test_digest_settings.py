"""The digests' settings: a send hour that is not an hour of the day, or a batch size that is
not a positive number, stops the start naming the variable; the daily beat entry exists."""

import pytest
from celery.schedules import crontab
from django.conf import settings

from tests.backend.test_settings import manage


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("KIPINA_DIGEST_SEND_HOUR", "24"),
        ("KIPINA_DIGEST_SEND_HOUR", "8am"),
        ("KIPINA_DIGEST_SEND_HOUR", "-1"),
        ("KIPINA_DIGEST_BATCH", "0"),
    ],
)
def test_a_malformed_digest_setting_stops_the_start(tmp_path, variable, value):
    result = manage("check", KIPINA_VAR_DIR=str(tmp_path), **{variable: value})

    assert result.returncode != 0
    assert variable in result.stderr


def test_the_digest_beat_runs_daily_at_a_fixed_utc_time():
    entry = settings.CELERY_BEAT_SCHEDULE["notifications-digests"]
    schedule: object = entry["schedule"]

    assert entry["task"] == "notifications.digests"
    assert schedule == crontab(minute=15, hour=3)
    assert schedule != crontab(minute=15, hour=3, day_of_week=1)
