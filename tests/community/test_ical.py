"""The conference's calendar file (community/ical.py) is iCalendar as RFC 5545 has it: an
attendee named "Müller, Dr: Anna" keeps the name (a parameter value with a comma, a
semicolon or a colon is quoted, §3.2) and no line is longer than 75 octets (§3.1)."""

from datetime import date

import icalendar
import pytest

from community.ical import conference_ics
from community.models import Conference, Registration

NAMES = ["Müller, Dr: Anna", "O'Brien; Seán", 'Anna "Nan" Smith', "Ann"]


def conference(**change):
    values = {
        "year": 2031,
        "title": "CPO Conference 2031, Stuttgart; the second day: workshops",
        "starts_on": date(2031, 5, 6),
        "ends_on": date(2031, 5, 7),
        "venue": "Haus der Wirtschaft, Willi-Bleicher-Straße 19, 70174 Stuttgart",
        "online_url": "",
    }
    return Conference(**{**values, **change})


def registration(name):
    return Registration(pk=7, attendee_name=name, attendee_email="anna@example.org")


def event_of(data):
    [event] = icalendar.Calendar.from_ical(data).walk("VEVENT")
    return event


@pytest.mark.parametrize("name", NAMES)
def test_the_attendee_keeps_their_name(name):
    attendee = event_of(conference_ics(conference(), registration(name)))["ATTENDEE"]
    assert attendee.params["CN"] == name
    assert str(attendee) == "mailto:anna@example.org"


def test_no_line_is_longer_than_75_octets():
    long = conference(
        title="Jahreskonferenz der CPO-Gemeinschaft – Überblick, Ausblick, Workshops " * 3,
        venue="Große Halle, Äußere Straße 1; Ölmühle: Eingang über den Hof " * 3,
    )
    data = conference_ics(long, registration("Müller-Lüdenscheidt, Dr: Anna-Maria " * 3))
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 75
    event = event_of(data)
    assert event["SUMMARY"] == long.title
    assert event["LOCATION"] == long.venue


def test_the_event_spans_the_conference_days_and_says_where():
    event = event_of(conference_ics(conference()))
    assert event["DTSTART"].dt == date(2031, 5, 6)
    assert event["DTEND"].dt == date(2031, 5, 8)  # the day after the last, exclusive
    assert event["SUMMARY"] == "CPO Conference 2031, Stuttgart; the second day: workshops"
    assert event["LOCATION"] == conference().venue
    assert event["DESCRIPTION"] == conference().venue
    assert event["UID"] == "cpo-conference-2031-event@cpo-portal"
    assert event["URL"].endswith("/community/conference/")
    assert "ATTENDEE" not in event


def test_an_online_conference_is_located_at_its_link():
    online = conference(venue="", online_url="https://meet.example.org/cpo?a=1,2;b")
    event = event_of(conference_ics(online))
    assert event["LOCATION"] == "https://meet.example.org/cpo?a=1,2;b"
    assert event["DESCRIPTION"] == "https://meet.example.org/cpo?a=1,2;b"


def test_the_calendar_says_who_made_it():
    data = conference_ics(conference(), registration("Ann"))
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == "-//CPO Portal//Conference//EN"
    assert calendar["METHOD"] == "PUBLISH"
    assert event_of(data)["UID"] == "cpo-conference-2031-7@cpo-portal"
