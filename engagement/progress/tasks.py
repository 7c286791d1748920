from celery import shared_task

from backend.celery import kick
from engagement.progress.services import progress_project

# Batches one task run may take before it hands over to a fresh task: keeps each run well
# inside the task time limit and lets other queued work through.
BATCHES_PER_RUN = 50


@shared_task(name="progress.project", acks_late=True)
def progress_project_task() -> int:
    """Project the statement log into progress.

    Idempotent: the projector holds its cursor row locked per batch and stores facts under
    unique keys, so a retried or duplicated run repeats nothing (services.py says why).
    """
    run = progress_project(max_batches=BATCHES_PER_RUN)
    if run.enrolments_updated:
        kick("rules.events")  # new progress may have made events for the event rules
    if not run.caught_up:
        progress_project_task.delay()
    return run.statements
