"""Pure: quiet hours, weeks and backoff in a person's own time zone. `now` is a parameter;
nothing here reads the clock or the database.

Local wall-clock times are turned into instants through zoneinfo, so the eight o'clock after
a night that lost or gained an hour (Europe/Helsinki on the last Sundays of March and
October) is still eight o'clock on the learner's wall, not 24 hours after the evening before.
"""

import datetime as dt
import random
from zoneinfo import ZoneInfo


def local_instant(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The instant a local wall-clock time names. A time skipped by a spring-forward is taken
    as the same time before the jump (fold=0), i.e. just after it in real time; a repeated
    autumn time is its first occurrence."""
    naive = dt.datetime.combine(day, at)
    return naive.replace(tzinfo=zone).astimezone(dt.UTC).astimezone(zone)


def in_quiet_hours(local_time: dt.time, quiet_from: dt.time, quiet_until: dt.time) -> bool:
    """Quiet hours run from quiet_from up to quiet_until, across midnight when from > until.
    Equal times mean no quiet hours."""
    if quiet_from == quiet_until:
        return False
    if quiet_from < quiet_until:
        return quiet_from <= local_time < quiet_until
    return local_time >= quiet_from or local_time < quiet_until


def quiet_hours_end(
    now: dt.datetime, zone: ZoneInfo, quiet_from: dt.time, quiet_until: dt.time
) -> dt.datetime | None:
    """When the quiet hours around `now` end (aware), or None when `now` is not quiet."""
    local = now.astimezone(zone)
    if not in_quiet_hours(local.time(), quiet_from, quiet_until):
        return None
    day = local.date()
    if local.time() >= quiet_until:
        # The evening side of a night that runs past midnight: it ends tomorrow morning.
        day += dt.timedelta(days=1)
    end = local_instant(day, quiet_until, zone)
    # A quiet_until inside a spring-forward gap can name an instant before `now`.
    return max(end, now)


def week_bounds(now: dt.datetime, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The person's week around `now`: local Monday 00:00 up to the next local Monday."""
    monday = now.astimezone(zone).date()
    monday -= dt.timedelta(days=monday.weekday())
    midnight = dt.time(0, 0)
    return (
        local_instant(monday, midnight, zone),
        local_instant(monday + dt.timedelta(days=7), midnight, zone),
    )


def backoff_seconds(
    attempt: int, *, base: float, ceiling: float, draw: "random.Random | None" = None
) -> float:
    """Exponential backoff with jitter: base·2^(attempt−1), capped, then a random 50-100% of
    it, so that many messages refused in the same second do not all come back together."""
    delay = min(ceiling, base * 2 ** max(attempt - 1, 0))
    share = (draw or random).uniform(0.5, 1.0)  # spreads retries; not a secret
    return delay * share
