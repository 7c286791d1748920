"""Downloads: the teacher's list as CSV. "Export my data" is the privacy room's
(engagement/privacy/export.py): every room's part of what is held about a person."""

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from engagement.dashboards.selectors import LearnerRow

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection):
# learner names come from partner LMSs, so such a cell is written as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def learner_rows_csv(writer: Any, rows: Sequence[LearnerRow]) -> None:
    writer.writerow(
        [
            _("Learner"),
            _("Pathway"),
            _("Status"),
            _("Light"),
            _("Reasons"),
            _("Last active"),
            _("Milestones done"),
            _("Milestones in all"),
            _("Percent"),
        ]
    )
    for row in rows:
        writer.writerow(
            [
                _cell(row.learner),
                _cell(row.pathway),
                _cell(row.status),
                row.colour,
                _cell("; ".join(row.reasons)),
                row.last_active_at.isoformat() if row.last_active_at else "",
                row.milestones_done,
                row.milestones_total,
                row.percent,
            ]
        )
