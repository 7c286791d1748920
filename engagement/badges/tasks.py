import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from engagement.badges.services import badges_from_decisions


@shared_task(name="badges.award", acks_late=True)
def badges_award() -> int:
    """Beat: award the badges that recent award_badge decisions ask for. Idempotent: each
    decision gets one AwardDecision row (its primary key) in the award's transaction, and a
    person holds a badge class once (a unique constraint)."""
    lookback = dt.timedelta(hours=settings.KIPINA_BADGES_DECISION_LOOKBACK_HOURS)
    return badges_from_decisions(now=timezone.now(), lookback=lookback)
