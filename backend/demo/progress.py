"""After the replay: project the statements into progress and show each learner's.

The projector reads only statements stored more than KIPINA_PROGRESS_SETTLE_SECONDS ago, so
that it never passes a batch that is still being committed (engagement/progress/services.py).
The demo runs it as it is: it waits until the newest statement the LRS holds is that old, and
then projects once. A rerun that stored nothing new does not wait.
"""

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from backend.demo.catalogue import LEARNERS
from backend.demo.traffic import HELSINKI
from engagement.network.models import Enrolment
from engagement.progress.models import EnrolmentProgress, UnmatchedAgent
from engagement.progress.services import ProjectionRun, progress_project

Say = Callable[[str], None]

# `stored` is compared with the clock to the microsecond: a little more, to be sure.
SETTLE_MARGIN = dt.timedelta(milliseconds=250)
# A learner without study for this long is shown as inactive.
INACTIVE_DAYS = 14
UNMATCHED_SHOWN = 5


def settle_wait(*, stored: dt.datetime | None, now: dt.datetime, settle_seconds: int) -> float:
    """Seconds until the projector reads a statement stored at `stored` (0: it does now)."""
    if stored is None:
        return 0.0
    ready = stored + dt.timedelta(seconds=settle_seconds) + SETTLE_MARGIN
    return max(0.0, (ready - now).total_seconds())


@dataclass(frozen=True)
class ProgressLine:
    learner: str
    pathway: str
    percent: int
    milestones_done: int
    milestones_total: int
    last_active: dt.date | None
    finished: dt.date | None
    overdue: int  # milestones past their due day and not done


def _local_day(at: dt.datetime | None) -> dt.date | None:
    return None if at is None else at.astimezone(HELSINKI).date()


def _line(enrolment: Enrolment, today: dt.date) -> ProgressLine:
    try:
        progress: EnrolmentProgress | None = enrolment.progress
    except EnrolmentProgress.DoesNotExist:
        progress = None
    done = {m.milestone_id for m in enrolment.milestone_progress.all() if m.completed_at}
    milestones = enrolment.pathway.milestones.all()
    overdue = sum(
        1
        for milestone in milestones
        if milestone.due_offset_days is not None
        and enrolment.started_on + dt.timedelta(days=milestone.due_offset_days) < today
        and milestone.id not in done
    )
    return ProgressLine(
        learner=str(enrolment.learner),
        pathway=enrolment.pathway.title_en,
        percent=progress.percent if progress else 0,
        milestones_done=len(done),
        milestones_total=len(milestones),
        last_active=_local_day(progress.last_active_at if progress else None),
        finished=_local_day(progress.completed_at if progress else None),
        overdue=overdue,
    )


def progress_lines(*, today: dt.date) -> list[ProgressLine]:
    """The demo learners' enrolments and their projected progress, in catalogue order."""
    order = {learner.email: position for position, learner in enumerate(LEARNERS)}
    enrolments = (
        Enrolment.objects.filter(learner__email__in=order)
        .select_related("learner", "pathway", "progress")
        .prefetch_related("pathway__milestones", "milestone_progress")
    )
    ordered = sorted(enrolments, key=lambda e: (order[e.learner.email], e.pathway.title_en))
    return [_line(enrolment, today) for enrolment in ordered]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def progress_note(line: ProgressLine, *, today: dt.date) -> str:
    if line.finished is not None:
        return f"finished the pathway on {line.finished.isoformat()}"
    notes = []
    if line.last_active is None:
        notes.append("no activity yet")
    elif (idle := (today - line.last_active).days) >= INACTIVE_DAYS:
        notes.append(f"inactive for {idle} days")
    if line.overdue:
        notes.append(f"behind: {_plural(line.overdue, 'milestone')} overdue")
    return ", ".join(notes) or "on track"


def progress_table(lines: list[ProgressLine], *, today: dt.date) -> list[str]:
    rows = [f"  {'learner':<18} {'pathway':<27} {'done':>4}  milestones  last active"]
    for line in lines:
        active = line.last_active.isoformat() if line.last_active else "-"
        milestones = f"{line.milestones_done}/{line.milestones_total}"
        rows.append(
            f"  {line.learner:<18} {line.pathway:<27} {line.percent:>3}%  {milestones:^10}  "
            f"{active:<11}  {progress_note(line, today=today)}"
        )
    return rows


def demo_progress(*, newest_stored: dt.datetime | None, today: dt.date, say: Say) -> ProjectionRun:
    """Wait for the replay to settle, project it, and show the progress (as of `today`) and
    the unmatched agents."""
    settle = settings.KIPINA_PROGRESS_SETTLE_SECONDS
    wait = settle_wait(stored=newest_stored, now=timezone.now(), settle_seconds=settle)
    if wait:
        say(
            f"Waiting {wait:.1f} s for the newest statements to settle: the projector reads "
            f"those stored over {settle} s ago (KIPINA_PROGRESS_SETTLE_SECONDS)."
        )
        time.sleep(wait)
    started = time.monotonic()
    run = progress_project()
    say(
        f"Projected {_plural(run.statements, 'new statement')} into learner progress "
        f"({time.monotonic() - started:.1f} s):"
    )
    for row in progress_table(progress_lines(today=today), today=today):
        say(row)
    unmatched = UnmatchedAgent.objects.order_by("-statements_seen", "agent_key")
    say(f"{_plural(unmatched.count(), 'unmatched agent')}: actors no person is linked to yet")
    for agent in unmatched[:UNMATCHED_SHOWN]:
        say(f"  {agent.agent_key} ({_plural(agent.statements_seen, 'statement')})")
    return run
