"""Quiet hours, weeks and backoff in the person's time zone (notifications/timing.py, pure:
no database mark, so a stray query fails)."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

from notifications.timing import backoff_seconds, in_quiet_hours, quiet_hours_end, week_bounds

HELSINKI = ZoneInfo("Europe/Helsinki")
EVENING, MORNING = dt.time(20, 0), dt.time(8, 0)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("local", "quiet"),
    [
        (dt.time(19, 59), False),
        (dt.time(20, 0), True),
        (dt.time(23, 59), True),
        (dt.time(0, 0), True),
        (dt.time(7, 59), True),
        (dt.time(8, 0), False),
        (dt.time(12, 0), False),
    ],
)
def test_quiet_hours_run_across_midnight(local, quiet):
    assert in_quiet_hours(local, EVENING, MORNING) is quiet


@pytest.mark.parametrize(
    ("local", "quiet"),
    [
        (dt.time(12, 59), False),
        (dt.time(13, 0), True),
        (dt.time(13, 59), True),
        (dt.time(14), False),
    ],
)
def test_quiet_hours_within_a_day(local, quiet):
    assert in_quiet_hours(local, dt.time(13), dt.time(14)) is quiet


def test_equal_times_mean_no_quiet_hours():
    assert not in_quiet_hours(dt.time(3), dt.time(0), dt.time(0))


@pytest.mark.parametrize(
    ("now", "ends"),
    [
        # Winter (EET, UTC+2): 22:00 local -> 08:00 local the next day = 06:00 UTC.
        (utc(2026, 3, 4, 20, 0), utc(2026, 3, 5, 6, 0)),
        # After midnight: the same morning.
        (utc(2026, 3, 4, 23, 30), utc(2026, 3, 5, 6, 0)),
        # The night the clocks go forward (Sunday 29 March 2026, 03:00 -> 04:00): the night
        # is an hour shorter, and 08:00 EEST is 05:00 UTC.
        (utc(2026, 3, 28, 20, 0), utc(2026, 3, 29, 5, 0)),
        (utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 5, 0)),  # 04:30 EEST, just after the jump
        # The night the clocks go back (Sunday 25 October 2026, 04:00 -> 03:00): an hour
        # longer, and 08:00 EET is 06:00 UTC.
        (utc(2026, 10, 24, 19, 0), utc(2026, 10, 25, 6, 0)),
        (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 6, 0)),  # 03:30 EEST, the first time
        (utc(2026, 10, 25, 1, 30), utc(2026, 10, 25, 6, 0)),  # 03:30 EET, the second time
    ],
)
def test_quiet_hours_end_at_eight_on_the_wall_clock_across_dst(now, ends):
    assert quiet_hours_end(now, HELSINKI, EVENING, MORNING) == ends


@pytest.mark.parametrize(
    ("now", "quiet"),
    [
        # 17:30 UTC is 19:30 in winter (allowed) but 20:30 in summer (quiet).
        (utc(2026, 3, 28, 17, 30), False),
        (utc(2026, 3, 29, 17, 30), True),
        # 05:30 UTC is 08:30 on the last summer morning (allowed), 07:30 on the first winter
        # one (quiet).
        (utc(2026, 10, 24, 5, 30), False),
        (utc(2026, 10, 25, 5, 30), True),
    ],
)
def test_the_same_utc_time_is_quiet_or_not_by_the_season(now, quiet):
    assert (quiet_hours_end(now, HELSINKI, EVENING, MORNING) is not None) is quiet


def test_outside_quiet_hours_there_is_no_end():
    assert quiet_hours_end(utc(2026, 3, 4, 10, 0), HELSINKI, EVENING, MORNING) is None


def test_a_quiet_end_inside_a_spring_gap_is_not_in_the_past():
    # Quiet until 03:30, a time Helsinki skips on 29 March 2026.
    now = utc(2026, 3, 29, 0, 45)  # 02:45 EET, quiet
    end = quiet_hours_end(now, HELSINKI, dt.time(22, 0), dt.time(3, 30))

    assert end is not None
    assert end >= now
    assert end.astimezone(HELSINKI).time() == dt.time(4, 30)


@pytest.mark.parametrize(
    ("now", "start", "end"),
    [
        # Sunday 23:30 in Helsinki is still the week of Monday 23 February ...
        (utc(2026, 3, 1, 21, 30), utc(2026, 2, 22, 22, 0), utc(2026, 3, 1, 22, 0)),
        # ... and Monday 00:30 in Helsinki (Sunday 22:30 UTC) is the next week already.
        (utc(2026, 3, 1, 22, 30), utc(2026, 3, 1, 22, 0), utc(2026, 3, 8, 22, 0)),
        # The week of the spring change is an hour shorter: it ends at 00:00 EEST.
        (utc(2026, 3, 25, 12, 0), utc(2026, 3, 22, 22, 0), utc(2026, 3, 29, 21, 0)),
    ],
)
def test_a_week_is_monday_to_monday_on_the_local_calendar(now, start, end):
    assert week_bounds(now, HELSINKI) == (start, end)


def test_backoff_doubles_with_jitter_up_to_the_ceiling():
    draw = random.Random(7)  # noqa: S311 - a seeded draw for the test

    waits = [backoff_seconds(n, base=60, ceiling=600, draw=draw) for n in range(1, 7)]

    for attempt, wait in enumerate(waits, start=1):
        full = min(600, 60 * 2 ** (attempt - 1))
        assert full / 2 <= wait <= full
    assert waits[3] > waits[0]


def test_jitter_spreads_retries_of_the_same_attempt():
    draw = random.Random(1)  # noqa: S311 - a seeded draw for the test

    waits = {round(backoff_seconds(3, base=60, ceiling=3600, draw=draw), 3) for _ in range(20)}

    assert len(waits) > 10
