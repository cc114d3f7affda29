"""The conference API: the public conference and the organizations' registrations; 404 for
outsiders, 400 on bad input."""

import pytest
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from community.models import Registration
from community.models import RegistrationStatus as R
from community.services import conference as services
from tests.community.factories import ConferenceFactory
from tests.community.helpers import register

pytestmark = pytest.mark.django_db
API = "/api/v1/community"


@pytest.fixture
def api():
    return APIClient()


def org_api(org, rest):
    return f"{API}/organizations/{org.slug}/{rest}"


def test_public_conference(api, office_user, alpha_member, alpha, alice):
    assert api.get(f"{API}/conference/").status_code == 404
    conference = ConferenceFactory(capacity=1)
    assert api.get(f"{API}/conference/").status_code == 404
    assert api.get(f"{API}/conferences/{conference.year}/").status_code == 404
    services.conference_publish(conference=conference, by=office_user)
    body = api.get(f"{API}/conference/").json()
    assert body["year"] == conference.year and body["venue"] == "Darmstadt"
    assert (body["seats_left"], body["waitlist_only"], body["registration"]) == (1, False, "open")
    assert body["ics_url"].endswith(f"/community/conference/{conference.year}.ics")
    register(conference, alpha, alice, "Ann")
    detail = api.get(f"{API}/conferences/{conference.year}/").json()
    assert (detail["seats_left"], detail["waitlist_only"]) == (0, True)
    assert "attendee" not in str(detail).lower()


def test_registrations_list_create_cancel(
    api, alpha_member, alpha, alice, bob, office_user, mailoutbox
):
    conference = ConferenceFactory(open=True, capacity=1)
    url = org_api(alpha, "registrations/")
    api.force_authenticate(bob)
    first = api.post(
        url,
        {
            "conference": conference.year,
            "attendee_name": "Ann",
            "attendee_email": "ann@example.org",
        },
        format="json",
    )
    assert first.status_code == 201
    assert (first.json()["status"], first.json()["waitlist_position"]) == ("confirmed", None)
    second = api.post(
        url,
        {
            "conference": conference.year,
            "attendee_name": "Bea",
            "attendee_email": "bea@example.org",
        },
        format="json",
    )
    assert (second.json()["status"], second.json()["waitlist_position"]) == ("waitlisted", 1)
    twice = api.post(
        url,
        {
            "conference": conference.year,
            "attendee_name": "Bea",
            "attendee_email": "BEA@example.org",
        },
        format="json",
    )
    assert twice.status_code == 400 and "attendee_email" in twice.json()
    missing = api.post(
        url, {"conference": 1999, "attendee_name": "X", "attendee_email": "x@example.org"}
    )
    assert missing.status_code == 400 and "conference" in missing.json()
    listing = api.get(url).json()
    assert [r["attendee_name"] for r in listing["results"]] == ["Ann", "Bea"]
    cancel = api.post(org_api(alpha, f"registrations/{first.json()['id']}/cancel/"))
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"
    again = api.post(org_api(alpha, f"registrations/{first.json()['id']}/cancel/"))
    assert again.status_code == 400
    bea = api.get(url).json()["results"][1]
    assert (bea["status"], bea["waitlist_position"]) == ("confirmed", None)


def test_registrations_refused_for_non_members_and_outsiders(
    api, catalogue, alpha, alice, beta_member, beta, charlie, office_user
):
    conference = ConferenceFactory(open=True)
    theirs = register(conference, beta, charlie, "Carl")
    api.force_authenticate(alice)
    refused = api.post(
        org_api(alpha, "registrations/"),
        {"conference": conference.year, "attendee_name": "Ann", "attendee_email": "a@example.org"},
        format="json",
    )
    assert refused.status_code == 400 and "Community members" in str(refused.json())
    # Another tenant's registration, through one's own organization or theirs: 404.
    assert api.post(org_api(alpha, f"registrations/{theirs.pk}/cancel/")).status_code == 404
    assert api.post(org_api(beta, f"registrations/{theirs.pk}/cancel/")).status_code == 404
    assert api.get(org_api(beta, "registrations/")).status_code == 404
    with scopes_disabled():
        assert Registration.objects.get(pk=theirs.pk).status == R.CONFIRMED


def test_registration_list_queries_are_bounded(
    api, alpha_member, alpha, alice, office_user, django_assert_max_num_queries
):
    conference = ConferenceFactory(open=True, capacity=2)
    register(conference, alpha, alice, "P0")
    api.force_authenticate(alice)
    with django_assert_max_num_queries(10) as few:
        api.get(org_api(alpha, "registrations/"))
    for n in range(1, 10):
        register(conference, alpha, alice, f"P{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = api.get(org_api(alpha, "registrations/")).json()["results"]
    assert [r["waitlist_position"] for r in rows] == [None, None, *range(1, 9)]
