"""Pure: the period a digest covers, in the person's own time zone. `now` is a parameter;
nothing here reads the clock or the database.

A digest covers the last *complete* local week (Monday 00:00 to Monday 00:00) or calendar
month, and is due at the send time on the local day the period ended. Periods are built from
local wall-clock instants (notifications.timing.local_instant), so a week that contains a
DST change is 167 or 169 hours long and still starts and ends at local midnight.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from notifications.timing import local_instant


def _at(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    # In UTC: arithmetic on datetimes that share a zone is wall-clock arithmetic, so a
    # 24-hour window added to a local midnight could be 23 or 25 real hours.
    return local_instant(day, time, zone).astimezone(dt.UTC)


WEEKLY = "weekly"
MONTHLY = "monthly"


@dataclass(frozen=True)
class Period:
    """[start, end) of the person's local period, as UTC instants; `label` names it in
    idempotency keys (`2026-W09` or `2026-02`); `send_at` is when the digest may go out."""

    label: str
    start: dt.datetime
    end: dt.datetime
    send_at: dt.datetime


def last_week(now: dt.datetime, zone: ZoneInfo, send_time: dt.time) -> Period:
    """The local week before the one `now` is in."""
    monday = now.astimezone(zone).date()
    monday -= dt.timedelta(days=monday.weekday())
    first = monday - dt.timedelta(days=7)
    year, week, _ = first.isocalendar()
    return Period(
        label=f"{year}-W{week:02d}",
        start=_at(first, dt.time(0), zone),
        end=_at(monday, dt.time(0), zone),
        send_at=_at(monday, send_time, zone),
    )


def last_month(now: dt.datetime, zone: ZoneInfo, send_time: dt.time) -> Period:
    """The local calendar month before the one `now` is in."""
    first_of_this = now.astimezone(zone).date().replace(day=1)
    first = (first_of_this - dt.timedelta(days=1)).replace(day=1)
    return Period(
        label=f"{first.year}-{first.month:02d}",
        start=_at(first, dt.time(0), zone),
        end=_at(first_of_this, dt.time(0), zone),
        send_at=_at(first_of_this, send_time, zone),
    )


def last_period(frequency: str, now: dt.datetime, zone: ZoneInfo, send_time: dt.time) -> Period:
    if frequency == MONTHLY:
        return last_month(now, zone, send_time)
    return last_week(now, zone, send_time)
