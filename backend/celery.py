"""The Celery app. Configuration comes from Django settings (the CELERY_ namespace)."""

import logging
import os

from celery import Celery
from django.core.cache import cache

logger = logging.getLogger(__name__)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

app = Celery("kipina")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def kick(task_name: str, *, countdown: float = 0) -> None:
    """Ask for a task to run soon (after `countdown` seconds), without failing the caller.

    Used after a commit to make background work start sooner (a projection, a sweep). The
    periodic beat runs the same tasks anyway, so when the broker is down the kick is only
    logged. A delayed kick is sent once per countdown window: the task reads everything that
    is due when it runs, so a thousand batches stored in that window need one run. In eager
    mode (no broker: the demo, unit tests) kicks do nothing; those run the work themselves.
    """
    if app.conf.task_always_eager:
        return
    try:
        if countdown and not cache.add(f"kick:{task_name}", "pending", timeout=countdown):
            return
        app.send_task(task_name, countdown=countdown, retry=False)
    except Exception:  # the broker or cache is down or unreachable: the beat will catch up
        logger.warning("could not kick %s; the periodic run will pick the work up", task_name)
