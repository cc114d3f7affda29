"""The conference on PostgreSQL: the conference row lock really holds, so two registrations
racing for the last seat give exactly one confirmed seat and one waitlisted attendee."""

import threading

import pytest
from django.db import connections
from django_scopes import scopes_disabled

from community.models import Registration
from community.models import RegistrationStatus as R
from community.services import conference as services
from tests.community import conftest as community
from tests.community.helpers import make_conference

# conftest.py skips `postgres` tests when DATABASE_URL is not PostgreSQL.
pytestmark = pytest.mark.postgres

# The community fixtures, reused.
alpha_member = community.alpha_member
beta_member = community.beta_member


def _register_at_once(conference, attendees):
    """One thread per (organization, user, email), released together."""
    start = threading.Barrier(len(attendees))
    outcomes: list[dict] = [{} for _ in attendees]

    def target(outcome, organization, user, email):
        try:
            start.wait(10)
            outcome["result"] = services.registration_create(
                conference=conference,
                organization=organization,
                attendee_name=email.split("@")[0],
                attendee_email=email,
                by=user,
            )
        except Exception as exc:
            outcome["error"] = exc
        finally:
            connections.close_all()  # this thread's connections only

    threads = [
        threading.Thread(target=target, args=(o, *a), daemon=True)
        for o, a in zip(outcomes, attendees, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
        assert not thread.is_alive()
    return outcomes


def statuses(conference):
    with scopes_disabled():
        return sorted(
            Registration.objects.filter(conference=conference).values_list("status", flat=True)
        )


@pytest.mark.django_db(transaction=True)
def test_two_registrations_for_the_last_seat_give_one_seat(
    alpha_member, beta_member, alpha, beta, alice, charlie, office_user
):
    conference = make_conference(office_user, capacity=1)
    for _round in range(3):
        outcomes = _register_at_once(
            conference,
            [
                (alpha, alice, f"a{_round}@example.org"),
                (beta, charlie, f"c{_round}@example.org"),
            ],
        )
        assert all("result" in o for o in outcomes), outcomes
        got = sorted(o["result"].status for o in outcomes)
        if _round == 0:
            assert got == [R.CONFIRMED, R.WAITLISTED]
        else:
            assert got == [R.WAITLISTED, R.WAITLISTED]
    assert statuses(conference).count(R.CONFIRMED) == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_attendee_twice_at_once_is_registered_once(
    alpha_member, alpha, alice, bob, office_user
):
    conference = make_conference(office_user, capacity=5)
    outcomes = _register_at_once(
        conference, [(alpha, alice, "ann@example.org"), (alpha, bob, "ann@example.org")]
    )
    errors = [o["error"] for o in outcomes if "error" in o]
    assert len(errors) == 1 and errors[0].code == "already_registered", outcomes
    assert statuses(conference) == [R.CONFIRMED]
