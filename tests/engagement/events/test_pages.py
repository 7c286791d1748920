"""The public calendar page, the event page with its register/cancel button, and the
iCalendar feed."""

import datetime as dt

import icalendar
import pytest
from django.test import Client

from engagement.events.models import Event, Registration
from engagement.events.services import registration_cancel, registration_create
from tests.engagement.events.conftest import NOON, make_event, person, signed_in

pytestmark = pytest.mark.django_db


def test_the_calendar_lists_upcoming_published_events(net, event):
    make_event(net, title_en="Hidden draft", is_published=False)
    make_event(
        net,
        title_en="Last month",
        starts_at=NOON - dt.timedelta(days=30),
        ends_at=NOON - dt.timedelta(days=30, hours=-2),
    )

    response = Client().get("/events/", {"lang": "en"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Battery safety day" in page
    assert "Hidden draft" not in page
    assert "Last month" not in page


def test_the_calendar_speaks_finnish(event):
    response = Client().get("/events/", {"lang": "fi"})

    assert "Akkuturvallisuuspäivä" in response.content.decode()
    assert response.headers["Content-Language"] == "fi"


def test_the_calendar_filters_by_kind_and_audience(net, event):
    make_event(
        net,
        title_en="Cell line webinar",
        kind=Event.Kind.WEBINAR,
        place="",
        online_url="https://meet.example/cell",
        audience=Event.Audience.COMPANIES,
    )

    by_kind = Client().get("/events/", {"kind": "webinar", "lang": "en"}).content.decode()
    by_audience = Client().get("/events/", {"audience": "open", "lang": "en"}).content.decode()

    assert "Cell line webinar" in by_kind
    assert "Battery safety day" not in by_kind
    assert "Battery safety day" in by_audience
    assert "Cell line webinar" not in by_audience


@pytest.mark.parametrize("query", [{"kind": "party"}, {"audience": "everyone"}])
def test_an_unknown_filter_is_a_400_that_says_so(event, query):
    response = Client().get("/events/", {**query, "lang": "en"})

    assert response.status_code == 400
    assert "Unknown" in response.content.decode()


def test_the_calendar_is_paginated(net):
    for number in range(21):
        make_event(net, title_en=f"Workshop {number:02d}")

    first = Client().get("/events/", {"lang": "en"}).content.decode()
    second = Client().get("/events/", {"lang": "en", "page": "2"}).content.decode()

    assert "Workshop 19" in first
    assert "Workshop 20" not in first
    assert "Workshop 20" in second


def test_a_signed_in_person_registers_and_cancels_from_the_event_page(event):
    anna = person("Anna")
    client = signed_in(anna)

    page = client.get(f"/events/{event.uuid}", {"lang": "en"}).content.decode()
    assert "Register" in page
    client.post(f"/events/{event.uuid}/register")
    assert Registration.objects.get(person=anna).status == Registration.Status.REGISTERED
    page = client.get(f"/events/{event.uuid}", {"lang": "en"}).content.decode()
    assert "You are registered." in page
    client.post(f"/events/{event.uuid}/cancel")

    assert Registration.objects.get(person=anna).status == Registration.Status.CANCELLED


def test_registering_from_the_page_needs_a_login(event):
    response = Client().post(f"/events/{event.uuid}/register")

    assert response.status_code == 302
    assert "/accounts/login/" in response.headers["Location"]
    assert not Registration.objects.exists()


def test_the_register_button_takes_only_posts(event):
    response = signed_in(person("Anna")).get(f"/events/{event.uuid}/register")

    assert response.status_code == 405


def test_an_unpublished_event_has_no_page(net):
    draft = make_event(net, is_published=False)

    assert Client().get(f"/events/{draft.uuid}").status_code == 404


def test_the_feed_parses_and_keeps_each_events_uid(net, event):
    other = make_event(net, title_en="Cell line webinar", time_zone="Europe/Stockholm")

    first = icalendar.Calendar.from_ical(Client().get("/events/calendar.ics").content)
    registration_create(event=event, person=person("Anna"), now=NOON)
    second = icalendar.Calendar.from_ical(Client().get("/events/calendar.ics").content)

    uids = [str(entry["uid"]) for entry in first.walk("VEVENT")]
    assert uids == [f"event-{event.uuid}@kipina", f"event-{other.uuid}@kipina"]
    assert uids == [str(entry["uid"]) for entry in second.walk("VEVENT")]
    [stockholm] = [e for e in first.walk("VEVENT") if "webinar" in str(e["summary"])]
    assert stockholm["dtstart"].params["TZID"] == "Europe/Stockholm"
    assert {str(zone["tzid"]) for zone in first.walk("VTIMEZONE")} == {
        "Europe/Helsinki",
        "Europe/Stockholm",
    }


def test_the_feed_is_served_as_text_calendar(event):
    response = Client().get("/events/calendar.ics")

    assert response.headers["Content-Type"].startswith("text/calendar")


@pytest.mark.parametrize(
    ("language", "heading", "button"),
    [("fi", "Verkoston tapahtumat", "Ilmoittaudu"), ("sv", "Nätverkets evenemang", "Anmäl dig")],
)
def test_the_pages_are_translated(event, language, heading, button):
    calendar = Client().get("/events/", {"lang": language}).content.decode()
    page = signed_in(person("Anna")).get(f"/events/{event.uuid}", {"lang": language})

    assert f"<h1>{heading}</h1>" in calendar
    assert f">{button}</button>" in page.content.decode()


def test_the_page_shows_the_waiting_place_now(net):
    event = make_event(net, capacity=0)
    anna, ben = person("Anna"), person("Ben")
    registration_create(event=event, person=anna, now=NOON)
    client = signed_in(ben)
    client.post(f"/events/{event.uuid}/register")
    assert "(number 2)" in client.get(f"/events/{event.uuid}", {"lang": "en"}).content.decode()

    anna_seat = Registration.objects.get(person=anna)
    registration_cancel(registration=anna_seat, person=anna, now=NOON)

    assert "(number 1)" in client.get(f"/events/{event.uuid}", {"lang": "en"}).content.decode()
