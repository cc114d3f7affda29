"""ConferenceFactory writes what conference_save and conference_publish write: at one frozen
instant the services build the conference, its row is read and deleted, and the factory
builds it again; every column must match (the id aside). The activity log is the services'
alone: a test that reads it (the "saved by" of a conflict) goes through the services."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from community.models import Conference
from community.services import conference as services
from tests.community.factories import ConferenceFactory

pytestmark = pytest.mark.django_db

INSTANT = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)
DAY = timedelta(days=1)
# Each trait: published, and the registration window (opens, closes) in days from now.
TRAITS = {
    "draft": (False, -1, 10),
    "published": (True, -1, 10),
    "open": (True, -1, 10),
    "upcoming": (True, 1, 10),
    "closed": (True, -10, -1),
}


def _columns(conference):
    return {
        f.attname: getattr(conference, f.attname)
        for f in Conference._meta.concrete_fields
        if f.attname != "id"
    }


def _through_the_services(trait, office_user):
    published, opens, closes = TRAITS[trait]
    conference = services.conference_save(
        by=office_user,
        year=INSTANT.year,
        title="CPO Conference",
        starts_on=INSTANT.date() + 30 * DAY,
        ends_on=INSTANT.date() + 31 * DAY,
        venue="Darmstadt",
        online_url="",
        agenda="Welcome\nKeynote",
        capacity=2,
        registration_opens=INSTANT + opens * DAY,
        registration_closes=INSTANT + closes * DAY,
    )
    if published:
        services.conference_publish(conference=conference, by=office_user)
    return conference


@pytest.mark.parametrize("trait", TRAITS)
def test_each_conference_trait_is_what_the_services_leave(trait, office_user):
    with time_machine.travel(INSTANT, tick=False):
        expected = _columns(Conference.objects.get(pk=_through_the_services(trait, office_user).pk))
        Conference.objects.all().delete()
        built = ConferenceFactory(**({} if trait == "draft" else {trait: True}))
        built = _columns(Conference.objects.get(pk=built.pk))

    assert built == expected
    assert built["is_published"] == (trait != "draft") and built["version"] == 1


def test_the_registration_window_of_each_trait_as_of_now():
    assert ConferenceFactory(open=True, year=2030).window_state() == "open"
    assert ConferenceFactory(upcoming=True, year=2031).window_state() == "upcoming"
    assert ConferenceFactory(closed=True, year=2032).window_state() == "closed"
    assert not ConferenceFactory(year=2033).is_published
