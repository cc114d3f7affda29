"""Helpers of the community tests (the fixtures live in conftest.py).

`member(org, owner, office, group)` makes an organization an approved signee with a verified
prostep ivip membership (a community member), with the factories; `at_phase(election, phase)`
moves an election's windows; `make_conference` and `register` set up the annual conference;
`pdf_text` reads a rendered PDF back with poppler's pdftotext.
"""

import subprocess
from datetime import timedelta

from django.utils import timezone

from community.services import conference as conference_services
from tests.community.factories import PHASE_OFFSETS, AssociationMembershipFactory
from tests.signees.factories import SigneeFactory


def member(organization, owner, office, group="it_vendor", valid_days=365):
    """A community member, as signee_sign, signee_approve, membership_declare and
    membership_verify leave it (tests/community/test_membership_factories.py holds it
    against them), without their activity log and mails."""
    SigneeFactory(
        approved=True,
        organization=organization,
        group=group,
        signed_by=owner,
        signatory_name=str(owner),
        signatory_position="CEO",
        ip_address="",
        user_agent="",
        reviewed_by=office,
    )
    return AssociationMembershipFactory(
        verified=True,
        organization=organization,
        declared_by=owner,
        verified_by=office,
        valid_until=timezone.localdate() + timedelta(days=valid_days),
    )


def at_phase(election, phase):
    """Move the windows so that `phase` is now."""
    now = timezone.now()
    (
        election.nomination_opens,
        election.nomination_closes,
        election.voting_opens,
        election.voting_closes,
    ) = (now + o for o in PHASE_OFFSETS[phase])
    election.save()
    return election


def make_conference(office, *, capacity=2, published=True, opens=-1, closes=10, year=None):
    now = timezone.now()
    conference = conference_services.conference_save(
        by=office,
        year=year or now.year,
        title="CPO Conference",
        starts_on=now.date() + timedelta(days=30),
        ends_on=now.date() + timedelta(days=31),
        venue="Darmstadt",
        online_url="",
        agenda="Welcome\nKeynote",
        capacity=capacity,
        registration_opens=now + timedelta(days=opens),
        registration_closes=now + timedelta(days=closes),
    )
    if published:
        conference_services.conference_publish(conference=conference, by=office)
    return conference


def register(conference, org, user, name, email=None):
    return conference_services.registration_create(
        conference=conference,
        organization=org,
        attendee_name=name,
        attendee_email=email or f"{name.lower()}@example.org",
        by=user,
    )


def pdf_text(pdftotext, document) -> str:
    with document.file.open("rb") as fh:
        pdf = fh.read()
    assert pdf.startswith(b"%PDF")
    result = subprocess.run(
        [pdftotext, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())
