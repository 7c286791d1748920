"""The simulation extended to delivery (bench/simulation_delivery.py): 100 learners over 12
weeks through the pipeline, their decisions through the real outbox and dispatcher every third
hour of day and night (the hours shift by one a day), to people with their own time zones,
quiet hours, caps, pauses and opt-outs; what was sent is checked from the recorded e-mails and
the attempt rows. The last simulated day is 29 March 2026, when Europe moves to summer time
(New York did on 8 March). `make bench-simulation` runs the same with 5,000 learners on
PostgreSQL, a tick every second hour."""

import datetime as dt
import sys
from pathlib import Path

import pytest
from django.test import override_settings

sys.path.append(str(Path(__file__).resolve().parents[2] / "bench"))

import simulation
import simulation_delivery
from simulation_delivery import (
    DEFAULTS,
    NotificationRecord,
    Pause,
    Preferences,
    Send,
    SentEmail,
    delivery_checks,
    delivery_plan,
)

LEARNERS = 100
SEED = 11
UTC = dt.UTC


@pytest.mark.django_db
def test_nothing_is_sent_in_quiet_hours_over_the_cap_after_an_opt_out_or_twice():
    with override_settings(
        KIPINA_PROGRESS_SETTLE_SECONDS=0,
        KIPINA_RULES_SWEEP_BATCH=100,
        EMAIL_BACKEND="simulation_delivery.RecordingBackend",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        sim = simulation.simulate(LEARNERS, seed=SEED)
        rules, delivery = simulation_delivery.run(sim, delivery_plan(sim, seed=SEED, every_hours=3))
    print("\n".join(simulation.report_lines(rules) + simulation_delivery.report_lines(delivery)))

    assert delivery.in_quiet_hours == []
    assert delivery.over_cap == []
    assert delivery.after_opt_out == []
    assert delivery.while_paused == []
    assert delivery.duplicates == []
    assert delivery.unsettled == []
    assert delivery.disagreements == []
    # The run did what the checks are about: deferrals sent later, retries after refusals,
    # opt-outs between decision and send, caps and pauses reached, sends in every zone. (Sends
    # on the days the clocks changed are counted too, but at 100 learners they are too few
    # to require; the oracle's own tests below cross the spring change.)
    assert delivery.deferred_then_sent > 0
    assert delivery.refused > 0
    assert delivery.attempts["retry"] == delivery.refused
    assert delivery.dropped_after_late_opt_out > 0
    reasons = " ".join(delivery.reasons)
    assert "over the weekly cap" in reasons
    assert "paused until" in reasons
    assert len(delivery.sends_by_zone) == len(simulation_delivery.ZONES)


# --- The oracle can fail: one forbidden send each -------------------------------------------------

MADE = dt.datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _notification(number: int = 1, topic: str = "study_reminders") -> NotificationRecord:
    return NotificationRecord(number, 10, topic, "sent", "", number, f"decision:{number}", MADE)


def _send(at: dt.datetime, number: int = 1) -> Send:
    return Send(number, 10, "study_reminders", "in_app", at)


def _checks(*sends: Send, preferences: Preferences = DEFAULTS, **given):
    return delivery_checks(
        notifications=given.get("notifications", [_notification(s.notification_id) for s in sends]),
        sends=list(sends),
        emails=given.get("emails", []),
        preferences={10: preferences},
        pauses=given.get("pauses", {}),
        opt_outs=given.get("opt_outs", {}),
    )


def test_the_oracle_finds_a_send_at_nine_in_the_evening_in_helsinki():
    report = _checks(_send(dt.datetime(2026, 3, 2, 19, 0, tzinfo=UTC)))  # 21:00 EET

    assert len(report.in_quiet_hours) == 1


def test_the_oracle_reads_quiet_hours_on_the_persons_own_clock_after_the_spring_change():
    # 29 March 2026, 05:30 UTC is 08:30 in Helsinki (EEST) but 07:30 in Stockholm (CEST).
    at = dt.datetime(2026, 3, 29, 5, 30, tzinfo=UTC)
    stockholm = Preferences("Europe/Stockholm", dt.time(20), dt.time(8), 3, "email", "")

    assert _checks(_send(at)).in_quiet_hours == []
    assert len(_checks(_send(at), preferences=stockholm).in_quiet_hours) == 1


def test_the_oracle_counts_the_cap_per_local_monday_week():
    tokyo = Preferences("Asia/Tokyo", dt.time(0), dt.time(0), 1, "email", "")
    sunday = dt.datetime(2026, 3, 1, 14, 0, tzinfo=UTC)  # 23:00 on Sunday in Tokyo
    monday = dt.datetime(2026, 3, 1, 15, 30, tzinfo=UTC)  # 00:30 on Monday in Tokyo

    assert _checks(_send(sunday, 1), _send(monday, 2), preferences=tokyo).over_cap == []
    assert len(_checks(_send(monday, 1), _send(monday, 2), preferences=tokyo).over_cap) == 1


def test_the_oracle_finds_a_send_after_the_opt_out_row_was_made():
    at = dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    opted = {(10, "study_reminders"): at - dt.timedelta(seconds=1)}

    assert len(_checks(_send(at), opt_outs=opted).after_opt_out) == 1


def test_the_oracle_finds_a_send_while_paused_in_the_persons_zone():
    pause = Pause(learner=0, day=50, at=dt.time(9), until=dt.date(2026, 3, 3))
    on_the_last_paused_day = dt.datetime(2026, 3, 2, 21, 30, tzinfo=UTC)  # 23:30 on 2 March
    the_next_morning = dt.datetime(2026, 3, 3, 6, 0, tzinfo=UTC)

    assert len(_checks(_send(on_the_last_paused_day), pauses={10: [pause]}).while_paused) == 1
    assert _checks(_send(the_next_morning), pauses={10: [pause]}).while_paused == []


def test_the_oracle_finds_the_same_kipina_id_mailed_twice():
    at = dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    email = SentEmail("decision:1", "a@example.fi", ("study_reminders",), at, True, True)

    report = _checks(Send(1, 10, "study_reminders", "email", at), emails=[email, email])

    assert report.duplicates == ["2 e-mails with kipina_id decision:1"]


def test_the_oracle_finds_a_notification_left_deferred():
    waiting = NotificationRecord(1, 10, "study_reminders", "deferred", "quiet hours", 1, "k", MADE)

    assert _checks(notifications=[waiting]).unsettled == ["notification 1: left deferred"]
