"""What digests show of badges, read through the badges room's selectors.

The learner's own digest lists every badge of the period. The employer's summary lists only
the badges of the pathways an employee shares with that employer (consent is per enrolment).
"""

import datetime as dt
from collections.abc import Iterable

from engagement.badges import selectors as badge_selectors


def badges_earned(
    *, person_ids: Iterable[int], start: dt.datetime, end: dt.datetime, language: str
) -> dict[int, list[str]]:
    """The names of the badges each person earned in [start, end) and still holds; people
    with none are left out."""
    return badge_selectors.badges_earned(
        person_ids=person_ids, start=start, end=end, language=language
    )


def shared_badges_earned(
    *,
    pairs: Iterable[tuple[int, int]],
    start: dt.datetime,
    end: dt.datetime,
    language: str,
) -> dict[tuple[int, int], list[str]]:
    """For (person, pathway) pairs of shared enrolments, the badges of that pathway earned
    in [start, end) and still held."""
    return badge_selectors.badges_earned_on_pathways(
        pairs=pairs, start=start, end=end, language=language
    )
