"""The simulation extended to delivery: the decisions of bench/simulation_pipeline.py's days go
through the real outbox and dispatcher at many moments of day and night, to a population whose
preferences vary, and what was sent is held against an oracle of those preferences.

- The plan (`delivery_plan`, seeded, no Django): each learner's time zone, quiet hours (some
  across midnight, one ending in the spring-forward gap, some none), weekly cap 0..5, channel
  for study reminders and language; pauses set mid-run; opt-outs made while one of the
  learner's notifications of the topic waits to be sent (between decision and send).
- The run (`run`): the pipeline's days with delivery ticks every hour (the minute moves from
  day to day). A tick runs the outbox, then the dispatch twice, as overlapping beats
  would, each in process as the tasks would run it (`notifications.outbox`, then
  `notifications.dispatch`'s recovery and fan-out with `notifications.deliver` called per
  batch). After the last day the ticks go on for two days, so that nothing is left waiting.
  (The CI test ticks every third hour, the hours shifting by one a day, to stay quick.)
- The recording e-mail backend (`RecordingBackend`) keeps each message's kipina_id, category,
  headers and the clock when it was handed over, and refuses the first try of one message in
  REFUSE_ONE_IN with a dropped connection (a transient failure: retried with backoff).
- The checks (`delivery_checks`, no Django): from the recorded messages and the attempt rows,
  never from the dispatcher's own verdicts: sends in quiet hours (the send instant in the
  person's zone), over the weekly cap (per person per local Monday-week), after an opt-out
  (its row's created_at), during a pause, duplicates (per kipina_id, per notification, per
  decision), and notifications left unsettled.

The oracle is written from the design (docs/notifications.md), not from notifications/.
"""

import datetime as dt
import random
import re
import smtplib
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.db.models import F
from simulation import Report, Simulation, moment
from simulation_pipeline import TimedStep, World, clock, world_create
from simulation_pipeline import run as pipeline_run

from notifications import selectors, services, tasks
from notifications.models import DeliveryAttempt, Notification, Preference, TopicOptOut

HELSINKI = "Europe/Helsinki"
STUDY_REMINDERS, ACHIEVEMENTS = "study_reminders", "achievements"
EMAIL, IN_APP = "email", "in_app"
DRAIN_DAYS = 2  # ticks after the last day: the last evening's decisions wait for a morning
REFUSE_ONE_IN = 25  # messages whose first try the backend refuses (a transient failure)

# (IANA zone or "" for the directory's, weight). New York changes to summer time on 8 March
# 2026, the European zones on 29 March, the last simulated day.
ZONES = (
    (HELSINKI, 45),
    ("", 15),
    ("Europe/Stockholm", 10),
    ("Europe/London", 5),
    ("America/New_York", 15),
    ("Asia/Tokyo", 5),
    ("UTC", 5),
)
QUIET_HOURS = (
    ((20, 0), (8, 0), 45),  # the default
    ((22, 0), (7, 0), 15),
    ((23, 30), (6, 15), 10),
    ((21, 0), (11, 30), 10),  # ends after the morning's directory changes (09:00 UTC)
    ((12, 0), (14, 0), 5),  # a quiet lunch, not across midnight
    ((1, 0), (3, 30), 5),  # ends inside the spring-forward gap of Europe/Helsinki
    ((0, 0), (0, 0), 10),  # equal times: no quiet hours
)
CAPS = ((0, 5), (1, 10), (2, 15), (3, 40), (4, 15), (5, 15))
LANGUAGES = (("fi", 60), ("sv", 20), ("en", 20))


def _pick(rng: random.Random, table: Sequence[tuple[Any, ...]]) -> Any:
    values = [row[:-1] if len(row) > 2 else row[0] for row in table]
    return rng.choices(values, weights=[row[-1] for row in table])[0]


# --- The plan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preferences:
    zone: str  # "" follows the directory (Europe/Helsinki for every simulated person)
    quiet_from: dt.time
    quiet_until: dt.time
    cap: int
    study_channel: str
    language: str

    @property
    def zone_info(self) -> ZoneInfo:
        return ZoneInfo(self.zone or HELSINKI)


DEFAULTS = Preferences("", dt.time(20, 0), dt.time(8, 0), 3, EMAIL, "")


@dataclass(frozen=True)
class Pause:
    learner: int
    day: int
    at: dt.time  # UTC, when the learner sets it
    until: dt.date  # nothing before this local day starts

    @property
    def set_at(self) -> dt.datetime:
        return moment(self.day, self.at)


@dataclass(frozen=True)
class OptOut:
    """The learner opts out of the topic at the first delivery tick from `day` on when one of
    their notifications of it is waiting (made, not yet sent): the race the check is about."""

    learner: int
    day: int
    topic: str


@dataclass(frozen=True)
class DeliveryPlan:
    preferences: tuple[Preferences, ...]  # by learner index
    pauses: tuple[Pause, ...]
    opt_outs: tuple[OptOut, ...]
    every_hours: int = 1  # a delivery tick every this many hours

    def ticks(self, day: int) -> list[dt.time]:
        """A tick every `every_hours` hours, the hours shifted by one each day and the minute
        moving from tick to tick, so that over a few days every hour of day and night is hit."""
        first = day % self.every_hours
        return [
            dt.time(hour, (7 * day + 17 * hour + 3) % 60)
            for hour in range(first, 24, self.every_hours)
        ]


def delivery_plan(sim: Simulation, *, seed: int = 1, every_hours: int = 1) -> DeliveryPlan:
    """Preferences, pauses and night-time opt-outs for the simulation's learners."""
    preferences, pauses, opt_outs = [], [], []
    for learner in sim.learners:
        rng = random.Random(f"{seed}:delivery:{learner.index}")
        (from_h, from_m), (until_h, until_m) = _pick(rng, QUIET_HOURS)
        preferences.append(
            Preferences(
                zone=_pick(rng, ZONES),
                quiet_from=dt.time(from_h, from_m),
                quiet_until=dt.time(until_h, until_m),
                cap=_pick(rng, CAPS),
                study_channel=IN_APP if rng.random() < 0.1 else EMAIL,
                language=_pick(rng, LANGUAGES),
            )
        )
        if rng.random() < 0.1:
            day = rng.randrange(7, sim.days - 7)
            at = dt.time(rng.randrange(24), rng.randrange(60))
            local = moment(day, at).astimezone(preferences[-1].zone_info).date()
            pauses.append(Pause(learner.index, day, at, local + dt.timedelta(rng.randint(3, 14))))
        for topic, share in ((STUDY_REMINDERS, 0.08), (ACHIEVEMENTS, 0.03)):
            if rng.random() < share:
                opt_outs.append(OptOut(learner.index, rng.randrange(1, sim.days - 7), topic))
    return DeliveryPlan(tuple(preferences), tuple(pauses), tuple(opt_outs), every_hours)


# --- The recording e-mail backend ---------------------------------------------------------------


@dataclass(frozen=True)
class SentEmail:
    kipina_id: str
    to: str
    categories: tuple[str, ...]
    at: dt.datetime  # the clock when the backend took it
    unsubscribe_headers: bool
    html: bool


@dataclass
class Recorder:
    sent: list[SentEmail] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    refuse_one_in: int = 0

    def take(self, message: EmailMessage, now: dt.datetime) -> None:
        kipina_id = str(getattr(message, "metadata", {}).get("kipina_id", ""))
        chosen = self.refuse_one_in and zlib.crc32(kipina_id.encode()) % self.refuse_one_in == 0
        if chosen and kipina_id not in self.refused:
            self.refused.add(kipina_id)
            raise smtplib.SMTPServerDisconnected("the simulated relay dropped the connection")
        headers = message.extra_headers
        self.sent.append(
            SentEmail(
                kipina_id=kipina_id,
                to=message.to[0],
                categories=tuple(getattr(message, "tags", ())),
                at=now,
                unsubscribe_headers=headers.get("List-Unsubscribe", "").startswith("<https://")
                and headers.get("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click",
                html=any(kind == "text/html" for _, kind in getattr(message, "alternatives", [])),
            )
        )


RECORDER = Recorder()


class RecordingBackend(BaseEmailBackend):
    """Django's EMAIL_BACKEND for the simulation: what was handed over, and when."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from django.utils import timezone

        for message in email_messages:
            RECORDER.take(message, timezone.now())
        return len(email_messages)


# --- The run -------------------------------------------------------------------------------------


@dataclass
class Delivery:
    """The delivery side of a run: preferences written, ticks and changes per day, and the
    ids seen deferred at the end of a tick."""

    sim: Simulation
    plan: DeliveryPlan
    world: World
    deferred_seen: set[int] = field(default_factory=set)
    opt_outs_waiting: list[OptOut] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.opt_outs_waiting = list(self.plan.opt_outs)

    def preferences_write(self) -> None:
        """The planned preferences, in one statement (preference_update takes a transaction a
        person: minutes at 5,000 people, and the rows are the same)."""
        with clock(moment(-1, dt.time(9, 0))):
            Preference.objects.bulk_create(
                [
                    Preference(
                        person_id=self.world.person_ids[index],
                        time_zone=wanted.zone,
                        quiet_from=wanted.quiet_from,
                        quiet_until=wanted.quiet_until,
                        weekly_nudge_cap=wanted.cap,
                        language=wanted.language,
                        channels={STUDY_REMINDERS: wanted.study_channel},
                    )
                    for index, wanted in enumerate(self.plan.preferences)
                ],
                batch_size=5000,
            )

    def steps_of_day(self, day: int) -> list[TimedStep]:
        steps: list[TimedStep] = [(at, self.tick) for at in self.plan.ticks(day)]
        for pause in self.plan.pauses:
            if pause.day == day:
                steps.append((pause.at, self._pause(pause)))
        return steps

    def _pause(self, pause: Pause) -> Callable[[dt.datetime], object]:
        person_id = self.world.person_ids[pause.learner]
        return lambda now: services.preference_update(person_id=person_id, paused_until=pause.until)

    def tick(self, now: dt.datetime) -> None:
        """The outbox, the opt-outs whose moment has come, then two dispatches at the same
        moment, as overlapping beats."""
        tasks.notifications_outbox()
        self._opt_outs(now)
        for _ in range(2):
            dispatch(now)
        self.deferred_seen.update(
            Notification.objects.filter(status=Notification.Status.DEFERRED).values_list(
                "id", flat=True
            )
        )

    def _opt_outs(self, now: dt.datetime) -> None:
        day = (now - moment(0, dt.time(0))).days
        armed = [o for o in self.opt_outs_waiting if o.day <= day]
        if not armed:
            return
        person_ids = {self.world.person_ids[o.learner] for o in armed}
        waiting = set(
            Notification.objects.filter(
                person_id__in=person_ids,
                status__in=[Notification.Status.PENDING, Notification.Status.DEFERRED],
            ).values_list("person_id", "topic")
        )
        for opt_out in armed:
            person_id = self.world.person_ids[opt_out.learner]
            if (person_id, opt_out.topic) in waiting:
                services.topic_unsubscribe(person_id=person_id, topic=opt_out.topic)
                self.opt_outs_waiting.remove(opt_out)

    def drain(self) -> None:
        for day in range(self.sim.days, self.sim.days + DRAIN_DAYS):
            for at in self.plan.ticks(day):
                with clock(moment(day, at)) as now:
                    self.tick(now)


def dispatch(now: dt.datetime) -> int:
    """What notifications.dispatch and its deliver tasks do, in process (whatever Celery's
    eager setting): stale claims recovered, the due ids fanned out in batches."""
    from django.conf import settings

    services.notifications_recover_stale(now=now)
    due = selectors.due_notification_ids(now=now, limit=settings.KIPINA_NOTIFY_DISPATCH_LIMIT)
    size = settings.KIPINA_NOTIFY_DELIVER_BATCH
    for start in range(0, len(due), size):
        tasks.notifications_deliver(due[start : start + size])
    return len(due)


def run(
    sim: Simulation,
    plan: DeliveryPlan,
    *,
    rerun_day: int | None = None,
    on_day: Callable[[Any], None] | None = None,
) -> tuple[Report, "DeliveryReport"]:
    """The pipeline's run with delivery: the rules' report and the delivery's. The settings'
    EMAIL_BACKEND must be this module's RecordingBackend."""
    RECORDER.sent.clear()
    RECORDER.refused.clear()
    RECORDER.refuse_one_in = REFUSE_ONE_IN
    world = world_create(sim)
    delivery = Delivery(sim, plan, world)
    delivery.preferences_write()
    _, rules_report = pipeline_run(
        sim, rerun_day=rerun_day, on_day=on_day, world=world, steps_of_day=delivery.steps_of_day
    )
    delivery.drain()
    return rules_report, delivery_report(delivery)


# --- Reading back what happened -------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationRecord:
    id: int
    person_id: int
    topic: str
    status: str
    reason: str
    decision_id: int | None
    idempotency_key: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Send:
    """An attempt row that handed the notification over (outcome sent)."""

    notification_id: int
    person_id: int
    topic: str
    channel: str
    at: dt.datetime


def delivery_report(delivery: Delivery) -> "DeliveryReport":
    world, plan = delivery.world, delivery.plan
    preferences = {world.person_ids[i]: p for i, p in enumerate(plan.preferences)}
    pauses: dict[int, list[Pause]] = defaultdict(list)
    for pause in plan.pauses:
        pauses[world.person_ids[pause.learner]].append(pause)
    notifications = [
        NotificationRecord(*row)
        for row in Notification.objects.values_list(
            "id", "person_id", "topic", "status", "reason", "decision_id", "idempotency_key",
            "created_at",
        )
    ]  # fmt: skip
    sends = [
        Send(*row)
        for row in DeliveryAttempt.objects.filter(outcome=DeliveryAttempt.Outcome.SENT)
        .annotate(person_id=F("notification__person_id"), topic=F("notification__topic"))
        .values_list("notification_id", "person_id", "topic", "channel", "started_at")
    ]
    opt_outs = {
        (person_id, topic): created_at
        for person_id, topic, created_at in TopicOptOut.objects.values_list(
            "person_id", "topic", "created_at"
        )
    }
    attempts = Counter(
        DeliveryAttempt.objects.values_list("outcome", flat=True).order_by("outcome")
    )
    return delivery_checks(
        notifications=notifications,
        sends=sends,
        emails=list(RECORDER.sent),
        preferences=preferences,
        pauses=pauses,
        opt_outs=opt_outs,
        deferred_seen=delivery.deferred_seen,
        refused=len(RECORDER.refused),
        attempts=dict(attempts),
    )


# --- The checks (pure) ---------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    notifications: int
    by_status: dict[str, int]
    reasons: dict[str, int]  # dropped and failed, digits folded to N
    attempts: dict[str, int]  # attempt rows by outcome
    emails: int
    in_app: int
    refused: int  # first tries the backend refused (transient)
    deferred: int  # notifications seen deferred at the end of a tick
    deferred_then_sent: int
    dropped_after_late_opt_out: int  # dropped, and made before the person opted out of its topic
    sends_by_zone: dict[str, int]
    sends_on_dst_days: int  # 8 March (New York) and 29 March (Europe), in the person's zone
    in_quiet_hours: list[str] = field(default_factory=list)
    over_cap: list[str] = field(default_factory=list)
    after_opt_out: list[str] = field(default_factory=list)
    while_paused: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    unsettled: list[str] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)  # e-mails vs attempt rows, shape


def in_quiet_hours(at: dt.datetime, preferences: Preferences) -> bool:
    """The design's quiet hours: from `quiet_from` up to `quiet_until` on the person's wall
    clock, across midnight when from > until; equal times mean none."""
    local = at.astimezone(preferences.zone_info).time()
    start, end = preferences.quiet_from, preferences.quiet_until
    if start == end:
        return False
    return start <= local < end if start < end else (local >= start or local < end)


def local_week(at: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The Monday of the person's week around `at`."""
    day = at.astimezone(zone).date()
    return day - dt.timedelta(days=day.weekday())


DST_DAYS = {"America/New_York": dt.date(2026, 3, 8)}
EUROPEAN_DST_DAY = dt.date(2026, 3, 29)


def delivery_checks(
    *,
    notifications: Sequence[NotificationRecord],
    sends: Sequence[Send],
    emails: Sequence[SentEmail],
    preferences: dict[int, Preferences],
    pauses: dict[int, list[Pause]],
    opt_outs: dict[tuple[int, str], dt.datetime],
    deferred_seen: Iterable[int] = (),
    refused: int = 0,
    attempts: dict[str, int] | None = None,
) -> DeliveryReport:
    """Everything sent held against the preferences; the people not in `preferences` have
    the defaults."""
    by_id = {n.id: n for n in notifications}
    by_key = {n.idempotency_key: n for n in notifications}
    deferred = set(deferred_seen)
    final = {"sent", "dropped", "failed"}
    report = DeliveryReport(
        notifications=len(notifications),
        by_status=dict(sorted(Counter(n.status for n in notifications).items())),
        reasons=dict(
            Counter(
                re.sub(r"\d[\d-]*", "N", n.reason) for n in notifications if n.status != "sent"
            ).most_common()
        ),
        attempts=dict(sorted((attempts or {}).items())),
        emails=len(emails),
        in_app=sum(1 for s in sends if s.channel == IN_APP),
        refused=refused,
        deferred=len(deferred),
        deferred_then_sent=sum(1 for i in deferred if i in by_id and by_id[i].status == "sent"),
        dropped_after_late_opt_out=sum(
            1
            for n in notifications
            if n.status == "dropped"
            and (opted := opt_outs.get((n.person_id, n.topic))) is not None
            and n.created_at <= opted
        ),
        sends_by_zone={},
        sends_on_dst_days=0,
    )
    # Every send, from the attempt rows and from the recorded messages alike.
    instants: list[tuple[str, int, str, dt.datetime]] = [
        (f"attempt of notification {s.notification_id}", s.person_id, s.topic, s.at) for s in sends
    ]
    for email in emails:
        notification = by_key.get(email.kipina_id)
        if notification is None:
            report.disagreements.append(f"e-mail with unknown kipina_id {email.kipina_id!r}")
            continue
        instants.append((f"e-mail {email.kipina_id}", notification.person_id, email.categories[0]
                         if email.categories else notification.topic, email.at))  # fmt: skip
        if not (email.unsubscribe_headers and email.html):
            report.disagreements.append(f"e-mail {email.kipina_id}: no HTML or unsubscribe header")
    zones: Counter[str] = Counter()
    for what, person_id, topic, at in instants:
        wanted = preferences.get(person_id, DEFAULTS)
        local = at.astimezone(wanted.zone_info)
        if in_quiet_hours(at, wanted):
            report.in_quiet_hours.append(f"{what} at {local:%Y-%m-%d %H:%M %Z}")
        opted = opt_outs.get((person_id, topic))
        if opted is not None and opted <= at:
            report.after_opt_out.append(f"{what} at {at:%Y-%m-%d %H:%M}, opted out {opted}")
        for pause in pauses.get(person_id, ()):
            if pause.set_at <= at and local.date() < pause.until:
                report.while_paused.append(f"{what} at {local:%Y-%m-%d %H:%M}, paused {pause}")
        if what.startswith("attempt"):
            zones[wanted.zone or "(directory) " + HELSINKI] += 1
            dst_day = DST_DAYS.get(wanted.zone, EUROPEAN_DST_DAY)
            report.sends_on_dst_days += local.date() == dst_day
    report.sends_by_zone = dict(zones.most_common())
    report.over_cap = _over_cap(sends, emails, by_key, preferences)
    report.duplicates = _duplicates(notifications, sends, emails)
    for n in notifications:
        if n.status not in final:
            report.unsettled.append(f"notification {n.id}: left {n.status}")
        elif n.status != "sent" and not n.reason:
            report.unsettled.append(f"notification {n.id}: {n.status} without a reason")
    sent_ids = {s.notification_id for s in sends}
    for n in notifications:
        if (n.status == "sent") != (n.id in sent_ids):
            report.disagreements.append(f"notification {n.id} is {n.status}; attempt rows differ")
    emailed = sum(1 for s in sends if s.channel == EMAIL)
    if emailed != len(emails):
        report.disagreements.append(f"{len(emails)} e-mails recorded, {emailed} attempts sent")
    return report


def _over_cap(
    sends: Sequence[Send],
    emails: Sequence[SentEmail],
    by_key: dict[str, NotificationRecord],
    preferences: dict[int, Preferences],
) -> list[str]:
    """Study reminders per person per local Monday-week above the person's cap, counted from
    the attempt rows and, for e-mail, from the recorded messages."""
    found = []
    for source, pairs in (
        ("attempts", [(s.person_id, s.at) for s in sends if s.topic == STUDY_REMINDERS]),
        ("e-mails", [(by_key[e.kipina_id].person_id, e.at) for e in emails
                     if e.kipina_id in by_key and STUDY_REMINDERS in e.categories]),
    ):  # fmt: skip
        weeks: Counter[tuple[int, dt.date]] = Counter()
        for person_id, at in pairs:
            weeks[(person_id, local_week(at, preferences.get(person_id, DEFAULTS).zone_info))] += 1
        for (person_id, monday), count in sorted(weeks.items()):
            cap = preferences.get(person_id, DEFAULTS).cap
            if count > cap:
                found.append(f"{source}: person {person_id}, week of {monday}: {count} > {cap}")
    return found


def _duplicates(
    notifications: Sequence[NotificationRecord], sends: Sequence[Send], emails: Sequence[SentEmail]
) -> list[str]:
    found = []
    for key, count in Counter(e.kipina_id for e in emails).items():
        if count > 1:
            found.append(f"{count} e-mails with kipina_id {key}")
    for notification_id, count in Counter(s.notification_id for s in sends).items():
        if count > 1:
            found.append(f"{count} sends of notification {notification_id}")
    per_decision = Counter(n.decision_id for n in notifications if n.decision_id is not None)
    for decision_id, count in per_decision.items():
        if count > 1:
            found.append(f"{count} notifications of decision {decision_id}")
    return found


def report_lines(report: DeliveryReport) -> list[str]:
    return [
        f"notifications {report.notifications:,} {report.by_status}; attempts {report.attempts}",
        f"e-mails {report.emails:,} (first try refused for {report.refused:,}), in-app "
        f"{report.in_app:,}; sends by zone {report.sends_by_zone}; on DST days "
        f"{report.sends_on_dst_days:,}",
        f"deferred {report.deferred:,}, of which sent later {report.deferred_then_sent:,}; "
        f"dropped (any reason), made before the opt-out of their topic "
        f"{report.dropped_after_late_opt_out}",
        f"not sent, by reason: {report.reasons}",
        f"sends in quiet hours {len(report.in_quiet_hours)}, over the weekly cap "
        f"{len(report.over_cap)}, after an opt-out {len(report.after_opt_out)}, while paused "
        f"{len(report.while_paused)}, duplicates {len(report.duplicates)}, unsettled "
        f"{len(report.unsettled)}, e-mails and attempt rows disagreeing "
        f"{len(report.disagreements)}",
    ]
