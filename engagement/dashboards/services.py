"""Writes from the dashboards. Each goes through the owning room's service: notifications
through notification_create (so the dispatcher applies every preference, quiet hour and
cap), study plans, consents and summary settings through theirs."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from engagement.network.models import Cohort, Enrolment, Person
from notifications.models import Notification, Topic
from notifications.selectors import opted_out_topics
from notifications.services import notification_create

# The learner gets the ordinary study reminder, naming the pathway and its next step: a
# teacher's nudge is a study reminder, so the learner's opt-out and weekly cap count it.
TEACHER_MESSAGE_TEMPLATE = "study_reminders"


@dataclass(frozen=True)
class MessageOutcome:
    queued: int  # new notifications handed to the dispatcher
    repeated: int  # already messaged today by this teacher: not sent twice
    opted_out: int  # of the queued, learners who opted out: the dispatcher drops theirs


def learners_message(
    *, teacher: Person, cohort: Cohort, enrolments: Sequence[Enrolment], today: dt.date
) -> MessageOutcome:
    """A study reminder to each enrolment's learner, at most once a day per teacher, cohort
    and enrolment (the idempotency key), so a double click sends nothing twice."""
    opted_out = opted_out_topics([e.learner_id for e in enrolments])
    keys = {
        e.pk: f"teacher-message:{cohort.pk}:{teacher.pk}:{e.pk}:{today.isoformat()}"
        for e in enrolments
    }
    sent_before = set(
        Notification.objects.filter(idempotency_key__in=keys.values()).values_list(
            "idempotency_key", flat=True
        )
    )
    queued = skipped = 0
    for enrolment in enrolments:
        if keys[enrolment.pk] in sent_before:
            continue
        # notification_create is idempotent by the key too: a concurrent double submit
        # that passes the check above still makes one notification.
        notification_create(
            person=enrolment.learner,
            topic=Topic.STUDY_REMINDERS,
            template=TEACHER_MESSAGE_TEMPLATE,
            idempotency_key=keys[enrolment.pk],
            context={"enrolment_id": enrolment.pk, "sent_by": teacher.pk},
        )
        queued += 1
        if Topic.STUDY_REMINDERS in opted_out.get(enrolment.learner_id, frozenset()):
            skipped += 1
    return MessageOutcome(queued=queued, repeated=len(sent_before), opted_out=skipped)
