"""The seam where digests will show badges.

The badges room (engagement/badges) is being built; digests must not depend on it yet. Every
digest asks this one function, so when badges exist only its body changes (read the room's
assertions awarded in [start, end)), and the templates already have a section for them.
"""

import datetime as dt
from collections.abc import Iterable


def badges_earned(
    *, person_ids: Iterable[int], start: dt.datetime, end: dt.datetime
) -> dict[int, list[str]]:
    """The names of the badges each person earned in [start, end); people with none are left
    out. Nothing yet: there is no badges table to read."""
    return {}
