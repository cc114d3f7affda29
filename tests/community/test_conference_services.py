"""Conference rules: capacity, waitlist order, the window, who may register and cancel."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scopes_disabled

from community.models import Registration
from community.models import RegistrationStatus as R
from community.selectors.conference import registrations_of_organization
from community.services import conference as services
from cpo_portal.activity.models import ActivityEntry
from tests.community.factories import ConferenceFactory
from tests.community.helpers import make_conference, member, register
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_the_same_attendee_twice_is_refused(alpha_member, alpha, alice, office_user):
    conference = ConferenceFactory(open=True)
    register(conference, alpha, alice, "Ann")
    with pytest.raises(ValidationError, match="already registered") as caught:
        register(conference, alpha, alice, "Ann again", email="ANN@example.org ")
    assert caught.value.code == "already_registered"
    with scopes_disabled():
        assert Registration.objects.filter(conference=conference).count() == 1


def test_two_registrations_for_the_last_seat(
    alpha_member, beta_member, alpha, beta, alice, charlie, office_user
):
    conference = ConferenceFactory(open=True, capacity=1)
    first = register(conference, alpha, alice, "Ann")
    second = register(conference, beta, charlie, "Carl")
    assert (first.status, second.status) == (R.CONFIRMED, R.WAITLISTED)
    assert first.confirmed_at and second.waitlisted_at and not second.confirmed_at


def test_waitlist_promotion_is_first_come_first_served_with_an_ics(
    alpha_member,
    beta_member,
    alpha,
    beta,
    alice,
    charlie,
    office_user,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    conference = ConferenceFactory(open=True, capacity=1)
    seat = register(conference, alpha, alice, "Ann")
    first_waiting = register(conference, beta, charlie, "Carl")
    second_waiting = register(conference, alpha, alice, "Bea")
    positions = {
        r.attendee_name: r.waitlist_position
        for r in registrations_of_organization(alpha, conference)
    }
    assert positions == {"Ann": None, "Bea": 2}
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=seat, by=alice)
    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert (first_waiting.status, second_waiting.status) == (R.CONFIRMED, R.WAITLISTED)
    assert [m.to for m in mailoutbox] == [["carl@example.org"]]
    name, content, mimetype = mailoutbox[0].attachments[0]
    assert name == f"cpo-conference-{conference.year}.ics" and mimetype == "text/calendar"
    text = content.decode() if isinstance(content, bytes) else content
    assert "BEGIN:VEVENT" in text and "mailto:carl@example.org" in text
    assert {
        r.attendee_name: r.waitlist_position
        for r in registrations_of_organization(alpha, conference)
    } == {"Ann": None, "Bea": 1}


def test_cancelling_a_waitlisted_registration_promotes_nobody(
    alpha_member, alpha, alice, office_user
):
    conference = ConferenceFactory(open=True, capacity=1)
    register(conference, alpha, alice, "Ann")
    waiting = register(conference, alpha, alice, "Bea")
    third = register(conference, alpha, alice, "Cid")
    services.registration_cancel(registration=waiting, by=alice)
    third.refresh_from_db()
    assert third.status == R.WAITLISTED
    with pytest.raises(ValidationError, match="already cancelled"):
        services.registration_cancel(registration=waiting, by=alice)
    # A cancelled attendee may register again.
    assert register(conference, alpha, alice, "Bea").status == R.WAITLISTED


def test_a_larger_capacity_lets_the_waitlist_in(alpha_member, alpha, alice, office_user):
    conference = ConferenceFactory(open=True, capacity=1)
    register(conference, alpha, alice, "Ann")
    waiting = register(conference, alpha, alice, "Bea")
    values = {name: getattr(conference, name) for name in services.CONFERENCE_FIELDS}
    services.conference_save(
        by=office_user, year=conference.year, conference=conference, **{**values, "capacity": 2}
    )
    waiting.refresh_from_db()
    assert waiting.status == R.CONFIRMED


@pytest.mark.parametrize(
    ("published", "opens", "closes"), [(False, -1, 10), (True, 1, 10), (True, -10, -1)]
)
def test_no_registration_outside_the_window_or_unpublished(
    alpha_member, alpha, alice, office_user, published, opens, closes
):
    now = timezone.now()
    conference = ConferenceFactory(
        is_published=published,
        registration_opens=now + timedelta(days=opens),
        registration_closes=now + timedelta(days=closes),
    )
    with pytest.raises(ValidationError, match="not open") as caught:
        register(conference, alpha, alice, "Ann")
    assert caught.value.code == "window"


def test_non_members_and_outsiders_cannot_register(
    catalogue, alpha, alice, beta_member, charlie, office_user
):
    conference = ConferenceFactory(open=True)
    with pytest.raises(ValidationError, match="Community members") as caught:
        register(conference, alpha, alice, "Ann")  # Alpha is no community member
    assert caught.value.code == "not_community_member"
    member(alpha, alice, office_user)
    with pytest.raises(ValidationError, match="Only members of the organization"):
        register(conference, alpha, charlie, "Carl")  # charlie is not in Alpha


def test_cancel_by_an_outsider_is_refused(alpha_member, alpha, alice, charlie, office_user):
    conference = ConferenceFactory(open=True)
    registration = register(conference, alpha, alice, "Ann")
    with pytest.raises(ValidationError):
        services.registration_cancel(registration=registration, by=charlie)
    services.registration_cancel(registration=registration, by=office_user)


def test_a_plain_member_registers_for_the_organization(alpha_member, alpha, bob, office_user):
    conference = ConferenceFactory(open=True)
    assert register(conference, alpha, bob, "Bob").status == R.CONFIRMED


def test_conference_checks(office_user, alice):
    with pytest.raises(ValidationError, match="office"):
        make_conference(alice)
    now = timezone.now()
    base = {
        "title": "C",
        "starts_on": now.date(),
        "ends_on": now.date(),
        "venue": "V",
        "online_url": "",
        "agenda": "",
        "capacity": 1,
        "registration_opens": now,
        "registration_closes": now + timedelta(days=1),
    }
    for change in (
        {"ends_on": now.date() - timedelta(days=1)},
        {"registration_closes": now},
        {"venue": "  "},
        {"capacity": 0},
    ):
        with pytest.raises(ValidationError):
            services.conference_save(by=office_user, year=2031, **{**base, **change})
    services.conference_save(by=office_user, year=2031, **base)
    with pytest.raises(ValidationError, match="already a conference"):
        services.conference_save(by=office_user, year=2031, **base)


def test_membership_factory_member_can_cancel(alpha_member, alpha, alice, office_user, make_user):
    """Any person of the organization cancels its registrations, not only who registered."""
    conference = ConferenceFactory(open=True)
    registration = register(conference, alpha, alice, "Ann")
    other = make_user(email="eve@example.org")
    MembershipFactory(organization=alpha, user=other)
    cancelled = services.registration_cancel(registration=registration, by=other)
    assert cancelled.status == R.CANCELLED and cancelled.cancelled_at is not None
    with scopes_disabled():
        assert Registration.objects.get(pk=registration.pk).status == R.CANCELLED
        entry = ActivityEntry.objects.get(verb="conference.cancelled")
    assert entry.actor == other and entry.organization == alpha


# --- Capacity, waitlist and promotion, with the e-mails ----------------------------------


def test_waitlist_and_promotion(
    alpha_member, alpha, alice, office_user, mailoutbox, django_capture_on_commit_callbacks
):
    now = timezone.now()
    conference = services.conference_save(
        by=office_user,
        year=now.year,
        title="CPO Conference",
        starts_on=now.date() + timedelta(days=30),
        ends_on=now.date() + timedelta(days=31),
        venue="Darmstadt",
        online_url="",
        agenda="",
        capacity=1,
        registration_opens=now - timedelta(days=1),
        registration_closes=now + timedelta(days=10),
    )
    services.conference_publish(conference=conference, by=office_user)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.registration_create(
            conference=conference,
            organization=alpha,
            attendee_name="A",
            attendee_email="a@example.org",
            by=alice,
        )
        second = services.registration_create(
            conference=conference,
            organization=alpha,
            attendee_name="B",
            attendee_email="b@example.org",
            by=alice,
        )
    assert (first.status, second.status) == (R.CONFIRMED, R.WAITLISTED)
    assert mailoutbox[0].attachments[0][0].endswith(".ics")
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=first, by=alice)
    second.refresh_from_db()
    assert second.status == R.CONFIRMED
    assert mailoutbox[-1].to == ["b@example.org"]
    content = mailoutbox[-1].attachments[0][1]
    assert "BEGIN:VEVENT" in (content.decode() if isinstance(content, bytes) else content)
