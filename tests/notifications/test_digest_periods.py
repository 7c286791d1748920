"""Pure: the period a digest covers in the person's zone (notifications/digests/periods.py).
No database: a stray query fails these tests."""

import datetime as dt
from zoneinfo import ZoneInfo

from notifications.digests.periods import last_month, last_period, last_week

HELSINKI = ZoneInfo("Europe/Helsinki")
EIGHT = dt.time(8)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def test_the_last_week_is_the_local_week_before_nows():
    week = last_week(utc(2026, 3, 9, 3, 15), HELSINKI, EIGHT)

    assert week.label == "2026-W10"
    assert (week.start, week.end) == (utc(2026, 3, 1, 22), utc(2026, 3, 8, 22))
    assert week.send_at == utc(2026, 3, 9, 6)


def test_sunday_evening_utc_is_already_monday_in_helsinki():
    # 22:30 UTC on Sunday 8 March is 00:30 on Monday in Helsinki: W10 has ended there.
    assert last_week(utc(2026, 3, 8, 22, 30), HELSINKI, EIGHT).label == "2026-W10"
    assert last_week(utc(2026, 3, 8, 21, 30), HELSINKI, EIGHT).label == "2026-W09"


def test_a_week_with_the_spring_change_is_an_hour_shorter_and_ends_at_local_midnight():
    # Finland moves to EEST on Sunday 29 March 2026.
    week = last_week(utc(2026, 3, 30, 3), HELSINKI, EIGHT)

    assert week.label == "2026-W13"
    assert week.end - week.start == dt.timedelta(days=7, hours=-1)
    assert week.end.astimezone(HELSINKI).time() == dt.time(0)
    assert week.send_at == utc(2026, 3, 30, 5)  # 08:00 EEST


def test_the_first_iso_week_of_a_year_can_start_in_december():
    assert last_week(utc(2027, 1, 11, 3), HELSINKI, EIGHT).label == "2027-W01"
    assert last_week(utc(2027, 1, 4, 3), HELSINKI, EIGHT).label == "2026-W53"


def test_the_last_month_is_the_local_calendar_month_before_nows():
    month = last_month(utc(2026, 4, 1, 1, 15), HELSINKI, EIGHT)

    assert month.label == "2026-03"
    assert (month.start, month.end) == (utc(2026, 2, 28, 22), utc(2026, 3, 31, 21))
    assert month.send_at == utc(2026, 4, 1, 5)


def test_january_reports_december_of_the_year_before():
    assert last_month(utc(2027, 1, 1, 3), HELSINKI, EIGHT).label == "2026-12"


def test_the_frequency_picks_the_period():
    now = utc(2026, 4, 1, 3)
    assert last_period("monthly", now, HELSINKI, EIGHT).label == "2026-03"
    assert last_period("weekly", now, HELSINKI, EIGHT).label == "2026-W13"
