"""The election API: public reads, members' nominations and ballots, the receipt check."""

import pytest
from rest_framework.test import APIClient

from community.models import BallotCast, Candidate, CandidateStatus, Election
from community.services import elections as services
from tests.community.factories import CandidateFactory
from tests.community.helpers import at_phase

pytestmark = pytest.mark.django_db

API = "/api/v1/community"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def voting(election, alpha_member, beta_member, gamma_member, alpha, beta, alice, charlie):
    """alice (Alpha) and charlie (Beta) accepted their nominations; voting is open."""
    a = CandidateFactory(
        election=election, user=alice, nominated_by_organization=alpha, accepted=True
    )
    c = CandidateFactory(
        election=election, user=charlie, nominated_by_organization=beta, accepted=True
    )
    at_phase(election, "voting")
    return {"alice": a, "charlie": c}


def test_public_election_and_candidates(api, voting, election, alpha, bob, alice):
    Candidate.objects.create(
        election=election,
        group="it_vendor",
        user=bob,
        organization=alpha,
        nominated_by_organization=alpha,
        status=CandidateStatus.DECLINED,
    )
    listing = api.get(f"{API}/elections/")
    assert listing.status_code == 200
    assert [e["year"] for e in listing.json()["results"]] == [election.year]
    detail = api.get(f"{API}/elections/{election.year}/").json()
    assert detail["phase"] == "voting"
    assert detail["seats"] == {"it_customer": 4, "it_vendor": 5, "it_service_provider": 3}
    assert {c["name"] for c in detail["candidates"]} == {"Alice Owner", "Charlie Outsider"}
    assert api.get(f"{API}/elections/1999/").status_code == 404
    assert api.get(f"{API}/elections/{election.year}/results/").status_code == 404


def test_results_and_core_team_after_publishing(
    api, voting, election, gamma, dora, office_user, django_assert_max_num_queries
):
    services.ballot_cast(
        election=election, organization=gamma, choices={"it_vendor": [voting["alice"].pk]}, by=dora
    )
    at_phase(election, "closed")
    services.election_tally(election=election, by=office_user)
    services.results_publish(election=election, by=office_user)
    with django_assert_max_num_queries(4):
        results = api.get(f"{API}/elections/{election.year}/results/").json()
    assert (results["ballots"], results["eligible"], results["turnout_percent"]) == (1, 3, 33)
    vendors = next(g for g in results["groups"] if g["group"] == "it_vendor")
    assert [(r["candidate"]["name"], r["votes"], r["elected"]) for r in vendors["results"]] == [
        ("Alice Owner", 1, True),
        ("Charlie Outsider", 0, True),
    ]
    team = api.get(f"{API}/core-team/").json()
    assert {m["name"] for m in team["members"]} == {"Alice Owner", "Charlie Outsider"}
    assert team["election"]["year"] == election.year


def test_core_team_before_any_publication(api, db):
    assert api.get(f"{API}/core-team/").json() == {"election": None, "members": []}


def test_cast_by_api_returns_the_receipt(api, voting, election, gamma, dora):
    api.force_authenticate(dora)
    url = f"{API}/organizations/{gamma.slug}/elections/{election.year}/ballot/"
    assert api.get(url).json() == {"voted": False, "voted_at": None}
    response = api.post(url, {"it_vendor": [voting["alice"].pk]}, format="json")
    assert response.status_code == 201
    code = response.json()["receipt"]
    assert response["Cache-Control"] == "no-store"
    assert api.get(url).json()["voted"] is True
    again = api.post(url, {"it_vendor": []}, format="json")
    assert again.status_code == 400
    assert "already voted" in str(again.json())
    assert BallotCast.objects.count() == 1

    check = APIClient().post(
        f"{API}/elections/{election.year}/receipt/", {"code": code}, format="json"
    )
    assert check.json() == {
        "counted": True,
        "approvals": [
            {"group": "it_vendor", "candidate_id": voting["alice"].pk, "name": "Alice Owner"}
        ],
    }
    typed = APIClient().post(
        f"{API}/elections/{election.year}/receipt/",
        {"code": code.replace("-", " ").lower()},
        format="json",
    )
    assert typed.json()["counted"] is True
    missing = APIClient().post(
        f"{API}/elections/{election.year}/receipt/", {"code": "nope"}, format="json"
    )
    assert missing.json() == {"counted": False, "approvals": []}


@pytest.mark.parametrize(
    "body",
    [
        {"it_vendor": "x"},
        {"it_vendor": ["x"]},
        {"it_vendor": [999999]},
        {"it_customer": [1, 2, 3, 4, 5]},
    ],
)
def test_bad_ballots_are_400(api, voting, election, gamma, dora, body):
    api.force_authenticate(dora)
    url = f"{API}/organizations/{gamma.slug}/elections/{election.year}/ballot/"
    response = api.post(url, body, format="json")
    assert response.status_code == 400
    assert not BallotCast.objects.exists()


def test_ballot_api_permissions(api, voting, election, alpha, bob, charlie):
    url = f"{API}/organizations/{alpha.slug}/elections/{election.year}/ballot/"
    assert api.post(url, {}, format="json").status_code in (401, 403)
    api.force_authenticate(bob)
    assert api.get(url).status_code == 200
    assert api.post(url, {}, format="json").status_code == 403
    api.force_authenticate(charlie)
    assert api.get(url).status_code == 404
    assert api.post(url, {}, format="json").status_code == 404
    assert not BallotCast.objects.exists()


def test_a_non_member_organization_cannot_vote_by_api(api, voting, election, charlie):
    from cpo_portal.tenancy.services import organization_create

    delta = organization_create(by=charlie, legal_name="Delta", country="DE")
    api.force_authenticate(charlie)
    url = f"{API}/organizations/{delta.slug}/elections/{election.year}/ballot/"
    response = api.post(url, {}, format="json")
    assert response.status_code == 400
    assert not BallotCast.objects.exists()


def test_nominations_by_api(
    api, election, alpha_member, beta_member, gamma_member, alpha, beta, gamma, alice, bob, dora
):
    url = f"{API}/organizations/{alpha.slug}/elections/{election.year}/nominations/"
    api.force_authenticate(bob)
    assert api.post(url, {"organization": alpha.slug, "email": bob.email}).status_code == 403
    api.force_authenticate(alice)
    response = api.post(url, {"organization": alpha.slug, "email": bob.email})
    assert response.status_code == 201
    assert response.json()["status"] == "nominated"
    across = api.post(url, {"organization": gamma.slug, "email": dora.email})
    assert across.status_code == 400 and "organization" in across.json()
    stranger = api.post(url, {"organization": beta.slug, "email": "nobody@example.org"})
    assert stranger.status_code == 400 and "email" in stranger.json()
    duplicate = api.post(url, {"organization": alpha.slug, "email": bob.email})
    assert duplicate.status_code == 400
    assert api.post(url, {"organization": "", "email": "x"}).status_code == 400
    assert [n["name"] for n in api.get(url).json()] == ["Bob Member"]
    api.force_authenticate(dora)
    assert api.get(url).status_code == 404


def test_the_nominee_answers_by_api(api, election, alpha_member, alpha, alice, bob):
    candidate = services.candidate_nominate(
        election=election,
        nominating_organization=alpha,
        candidate_user=bob,
        candidate_organization=alpha,
        by=alice,
    )
    url = f"{API}/elections/{election.year}/nominations/{candidate.pk}/answer/"
    api.force_authenticate(alice)
    assert api.post(url, {"accept": True}).status_code == 404
    api.force_authenticate(bob)
    assert api.post(url, {"accept": "perhaps"}).status_code == 400
    response = api.post(url, {"accept": True, "statement": "Open!"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["statement"]) == ("accepted", "Open!")
    at_phase(election, "voting")
    assert api.post(url, {"accept": False}).status_code == 400


def test_the_receipt_check_is_rate_limited(api, election, settings):
    settings.COMMUNITY_RECEIPT_RATE_LIMIT = 3
    url = f"{API}/elections/{election.year}/receipt/"
    for _ in range(3):
        assert api.post(url, {"code": "x"}, format="json").status_code == 200
    response = api.post(url, {"code": "x"}, format="json")
    assert response.status_code == 429
    assert "Retry-After" in response


def test_election_list_queries_are_bounded(api, office_user, django_assert_max_num_queries):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    for year in range(2030, 2040):
        Election.objects.create(
            year=year,
            title=f"E {year}",
            nomination_opens=now,
            nomination_closes=now + timedelta(days=1),
            voting_opens=now + timedelta(days=2),
            voting_closes=now + timedelta(days=3),
        )
    with django_assert_max_num_queries(2):
        assert len(api.get(f"{API}/elections/").json()["results"]) == 10
