import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from engagement.rules.services import events_process, sweep_batch, sweep_candidates


@shared_task(name="rules.sweep")
def rules_sweep() -> int:
    """Beat: select the candidates with set-based queries, fan out batches of learner ids.

    Idempotent: every decision is stored under its dedup key, so a repeated or overlapping
    sweep records nothing twice. One `now` for the whole sweep keeps its windows consistent.
    """
    now = timezone.now()
    learners = sweep_candidates(now)
    size = settings.KIPINA_RULES_SWEEP_BATCH
    for start in range(0, len(learners), size):
        rules_sweep_batch.delay(learners[start : start + size], now.isoformat())
    return len(learners)


@shared_task(name="rules.sweep_batch", acks_late=True)
def rules_sweep_batch(learner_ids: list[int], now: str) -> int:
    """Evaluate the schedule rules for a batch of learners. Idempotent by the dedup key."""
    return sweep_batch(learner_ids, dt.datetime.fromisoformat(now)).decisions


@shared_task(name="rules.events", acks_late=True)
def rules_events() -> int:
    """Run the event rules on new progress events. Idempotent: a locked cursor and the
    dedup key of decisions."""
    total = 0
    while count := events_process(timezone.now()):
        total += count
    return total
