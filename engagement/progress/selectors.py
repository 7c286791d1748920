"""Reads of the progress room that other rooms ask for."""

import datetime as dt

from engagement.progress.models import ProjectionCursor
from engagement.progress.services import CURSOR


def read_before() -> dt.datetime:
    """The projector has read every statement stored before this moment: its cursor's place
    in the log, or the moment up to which it last caught up, whichever is later (the
    earliest moment there is before its first run). Statement retention waits for it
    (settings.KIPINA_LRS_RETENTION_HOLDS), so a projector that was down longer than an
    organisation's retention still makes progress of every statement."""
    cursor = ProjectionCursor.objects.filter(name=CURSOR).values_list("stored", "read_until")
    read = [moment for moment in cursor.first() or () if moment is not None]
    return max(read, default=dt.datetime.min.replace(tzinfo=dt.UTC))
