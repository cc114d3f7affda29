"""Capacity, waitlist and promotion, through the services."""

from datetime import timedelta

from django.utils import timezone

from community import services
from community.models import RegistrationStatus as R


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
