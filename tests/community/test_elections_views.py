"""The election pages: who may see what, what each form does, and bounded query counts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import Ballot, BallotCast, Candidate, CandidateStatus, Election
from community.services import elections as services
from tests.community.factories import CandidateFactory, ElectionFactory
from tests.community.helpers import at_phase, member
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def office_url(name, election=None):
    kwargs = {"pk": election.pk} if election is not None else None
    return reverse(f"community:{name}", kwargs=kwargs)


def org_url(name, org, election=None):
    kwargs = {"org_slug": org.slug}
    if election is not None:
        kwargs["year"] = election.year
    return reverse(f"community:{name}", kwargs=kwargs)


def text(response):
    return response.content.decode()


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


# --- The office -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["office_elections", "office_election_create"])
def test_office_pages_are_for_the_office(client, alice, office_user, name):
    url = office_url(name)
    assert client.get(url).status_code == 302
    client.force_login(alice)
    assert client.get(url).status_code == 404
    client.force_login(office_user)
    assert client.get(url).status_code == 200


def test_office_detail_and_actions_are_404_for_others(client, election, alice):
    client.force_login(alice)
    assert client.get(office_url("office_election", election)).status_code == 404
    for name in ("office_election_tally", "office_election_publish"):
        assert client.post(office_url(name, election)).status_code == 404
    tie = reverse("community:office_election_tie", kwargs={"pk": election.pk, "group": "it_vendor"})
    assert client.post(tie).status_code == 404
    assert client.get(reverse("community:office_election", kwargs={"pk": 999})).status_code == 404


def test_the_office_opens_an_election(client, office_user):
    client.force_login(office_user)
    page = client.get(office_url("office_election_create"))
    body = text(page)
    assert 'type="datetime-local"' in body
    assert 'name="seats_it_customer"' in body and 'value="4"' in body and 'value="5"' in body
    response = client.post(
        office_url("office_election_create"),
        {
            "year": 2030,
            "title": "",
            "seats_it_customer": 4,
            "seats_it_vendor": 6,
            "seats_it_service_provider": 3,
            "nomination_opens": "2030-01-10T09:00",
            "nomination_closes": "2030-01-24T18:00",
            "voting_opens": "2030-02-01T09:00",
            "voting_closes": "2030-02-15T18:00",
        },
    )
    election = Election.objects.get(year=2030)
    assert response.status_code == 302
    assert response["Location"] == office_url("office_election", election)
    assert (election.seats_it_vendor, election.title) == (6, "Core Team election 2030")


def test_the_new_election_form_offers_a_year_without_an_election(client, office_user):
    this_year = (timezone.localtime() + timedelta(days=1)).year
    client.force_login(office_user)
    assert f'name="year" value="{this_year}"' in text(
        client.get(office_url("office_election_create"))
    )
    for year in (this_year, this_year + 1):
        ElectionFactory(year=year)
    assert f'name="year" value="{this_year + 2}"' in text(
        client.get(office_url("office_election_create"))
    )


@pytest.mark.parametrize(
    "change",
    [
        {"voting_opens": "2030-01-20T09:00"},  # before nomination closes
        {"seats_it_vendor": 0},
        {"nomination_opens": "soon"},
        {"year": ""},
    ],
)
def test_bad_election_input_is_a_form_error(client, office_user, change):
    client.force_login(office_user)
    data = {
        "year": 2030,
        "seats_it_customer": 4,
        "seats_it_vendor": 5,
        "seats_it_service_provider": 3,
        "nomination_opens": "2030-01-10T09:00",
        "nomination_closes": "2030-01-24T18:00",
        "voting_opens": "2030-02-01T09:00",
        "voting_closes": "2030-02-15T18:00",
        **change,
    }
    response = client.post(office_url("office_election_create"), data)
    assert response.status_code == 200
    assert "errorlist" in text(response)
    assert not Election.objects.exists()


def test_a_second_election_for_a_year_is_a_form_error(client, office_user, election):
    client.force_login(office_user)
    response = client.post(
        office_url("office_election_create"),
        {
            "year": election.year,
            "seats_it_customer": 4,
            "seats_it_vendor": 5,
            "seats_it_service_provider": 3,
            "nomination_opens": "2030-01-10T09:00",
            "nomination_closes": "2030-01-24T18:00",
            "voting_opens": "2030-02-01T09:00",
            "voting_closes": "2030-02-15T18:00",
        },
    )
    assert response.status_code == 200
    assert "There is already an election" in text(response)
    assert Election.objects.count() == 1


def test_office_detail_shows_candidates_turnout_and_the_tally_button(
    client, office_user, voting, election, gamma, dora
):
    services.ballot_cast(
        election=election, organization=gamma, choices={"it_vendor": [voting["alice"].pk]}, by=dora
    )
    client.force_login(office_user)
    body = text(client.get(office_url("office_election", election)))
    assert "Alice Owner" in body and "Charlie Outsider" in body
    assert "1 / 3" in body  # ballots cast / eligible
    assert "Count the votes" not in body  # voting still open
    at_phase(election, "closed")
    body = text(client.get(office_url("office_election", election)))
    assert "Count the votes" in body


def test_the_office_counts_resolves_a_tie_and_publishes(
    client, office_user, voting, election, gamma, dora, alpha, alice
):
    Election.objects.filter(pk=election.pk).update(seats_it_vendor=1)
    election.refresh_from_db()
    services.ballot_cast(
        election=election, organization=gamma, choices={"it_vendor": [voting["alice"].pk]}, by=dora
    )
    services.ballot_cast(
        election=election,
        organization=alpha,
        choices={"it_vendor": [voting["charlie"].pk]},
        by=alice,
    )
    at_phase(election, "closed")
    client.force_login(office_user)
    response = client.post(office_url("office_election_tally", election), follow=True)
    body = text(response)
    assert "There are ties" in body and "Record the resolution" in body
    assert 'disabled aria-disabled="true"' in body  # publish waits for the tie

    response = client.post(office_url("office_election_publish", election), follow=True)
    assert "Resolve the ties first." in text(response)
    election.refresh_from_db()
    assert election.results_published_at is None

    tie = reverse("community:office_election_tie", kwargs={"pk": election.pk, "group": "it_vendor"})
    both = {
        "it_vendor-elected": [voting["alice"].pk, voting["charlie"].pk],
        "it_vendor-note": "Lot",
    }
    response = client.post(tie, both)
    assert response.status_code == 400
    assert "Choose exactly 1 of the tied candidates." in text(response)
    response = client.post(tie, {"it_vendor-elected": [voting["charlie"].pk], "it_vendor-note": ""})
    assert response.status_code == 400
    response = client.post(
        tie, {"it_vendor-elected": [voting["charlie"].pk], "it_vendor-note": "Drawn by lot"}
    )
    assert response.status_code == 302
    # Publishing asks first, showing who forms the Core Team; only the confirmation acts.
    response = client.post(office_url("office_election_publish", election))
    assert response.status_code == 200
    body = text(response)
    assert "Publishing cannot be undone." in body and 'name="confirm" value="yes"' in body
    assert "Charlie Outsider" in body.split('data-testid="elected-it_vendor"')[1].split("</ul>")[0]
    election.refresh_from_db()
    assert election.results_published_at is None
    response = client.post(
        office_url("office_election_publish", election), {"confirm": "yes"}, follow=True
    )
    assert "The results are published" in text(response)
    election.refresh_from_db()
    assert election.results_published_at is not None

    public = text(client.get(reverse("community:election", kwargs={"year": election.year})))
    assert "Drawn by lot" in public
    assert "2 ballots of 3 eligible" in public and "(67%)" in public
    team = text(client.get(reverse("community:core_team")))
    assert "Charlie Outsider" in team and "Beta" in team and "Alice Owner" not in team


def test_tally_before_voting_closes_is_a_message(client, office_user, voting, election):
    client.force_login(office_user)
    response = client.post(office_url("office_election_tally", election), follow=True)
    assert "Votes are counted after voting has closed" in text(response)


def test_office_pages_have_bounded_queries(
    client, office_user, election, alpha, django_assert_max_num_queries
):
    for index in range(30):
        Candidate.objects.create(
            election=election,
            group=["it_customer", "it_vendor", "it_service_provider"][index % 3],
            user=UserFactory(),
            organization=alpha,
            nominated_by_organization=alpha,
            status=CandidateStatus.ACCEPTED if index % 2 else CandidateStatus.NOMINATED,
        )
    client.force_login(office_user)
    with django_assert_max_num_queries(14):
        assert client.get(office_url("office_election", election)).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(office_url("office_elections")).status_code == 200
    with django_assert_max_num_queries(10):
        assert (
            client.get(reverse("community:election", kwargs={"year": election.year})).status_code
            == 200
        )


# --- The organization: nominate ---------------------------------------------------------


def test_overview_for_members_and_outsiders(client, election, alpha_member, alpha, bob, dora):
    client.force_login(bob)
    response = client.get(org_url("org_elections", alpha))
    assert response.status_code == 200
    body = text(response)
    assert election.title in body and "Nominate a candidate" not in body
    client.force_login(dora)
    assert client.get(org_url("org_elections", alpha)).status_code == 404


def test_nominate_offers_only_eligible_people(
    client, election, alpha_member, beta_member, gamma_member, alpha, alice, bob
):
    client.force_login(alice)
    overview = text(client.get(org_url("org_elections", alpha)))
    assert "Nominate a candidate" in overview
    body = text(client.get(org_url("org_nominate", alpha, election)))
    assert "Alice Owner" in body and "Bob Member" in body and "Charlie Outsider" in body
    assert "Dora Customer" not in body  # another group
    assert "<optgroup" in body


def test_nominating_through_the_page(
    client,
    election,
    alpha_member,
    beta_member,
    alpha,
    beta,
    alice,
    charlie,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            org_url("org_nominate", alpha, election), {"candidate": f"{beta.pk}:{charlie.pk}"}
        )
    assert response.status_code == 302
    candidate = Candidate.objects.get()
    assert (candidate.user, candidate.organization, candidate.nominated_by_organization) == (
        charlie,
        beta,
        alpha,
    )
    assert mailoutbox[-1].to == [charlie.email]
    # Already nominated: no longer offered, and a forged choice is refused.
    body = text(client.get(org_url("org_nominate", alpha, election)))
    assert f'value="{beta.pk}:{charlie.pk}"' not in body
    assert f'value="{alpha.pk}:{alice.pk}"' in body
    response = client.post(
        org_url("org_nominate", alpha, election), {"candidate": f"{beta.pk}:{charlie.pk}"}
    )
    assert response.status_code == 400
    assert Candidate.objects.count() == 1


@pytest.mark.parametrize("value", ["", "x", "1:2:3", "999:999"])
def test_a_bad_nomination_is_a_form_error(client, election, alpha_member, alpha, alice, value):
    client.force_login(alice)
    response = client.post(org_url("org_nominate", alpha, election), {"candidate": value})
    assert response.status_code == 400
    assert not Candidate.objects.exists()


def test_plain_members_cannot_nominate(client, election, alpha_member, alpha, bob):
    client.force_login(bob)
    assert client.get(org_url("org_nominate", alpha, election)).status_code == 403
    response = client.post(org_url("org_nominate", alpha, election), {"candidate": "1:1"})
    assert response.status_code == 403
    assert not Candidate.objects.exists()


def test_a_non_member_organization_is_told_why(client, election, alpha, alice):
    client.force_login(alice)
    body = text(client.get(org_url("org_nominate", alpha, election)))
    assert "Only CPO Community members take part" in body
    assert 'name="candidate"' not in body


def test_nominating_outside_the_window(client, election, alpha_member, alpha, alice):
    at_phase(election, "voting")
    client.force_login(alice)
    body = text(client.get(org_url("org_nominate", alpha, election)))
    assert "Nominations are not open." in body and 'name="candidate"' not in body
    response = client.post(
        org_url("org_nominate", alpha, election), {"candidate": f"{alpha.pk}:{alice.pk}"}
    )
    assert response.status_code == 200
    assert not Candidate.objects.exists()


# --- The nominee ------------------------------------------------------------------------


def test_only_the_nominee_sees_the_nomination(
    client, election, alpha_member, alpha, alice, bob, charlie, office_user
):
    candidate = services.candidate_nominate(
        election=election,
        nominating_organization=alpha,
        candidate_user=bob,
        candidate_organization=alpha,
        by=alice,
    )
    url = reverse("community:nomination", kwargs={"year": election.year, "pk": candidate.pk})
    assert client.get(url).status_code == 302
    for other in (alice, charlie, office_user):
        client.force_login(other)
        assert client.get(url).status_code == 404
        assert client.post(url, {"answer": "accept"}).status_code == 404
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.NOMINATED

    client.force_login(bob)
    public = text(client.get(reverse("community:election", kwargs={"year": election.year})))
    assert url in public  # the nominee finds the page from the election page
    assert client.get(url).status_code == 200
    response = client.post(url, {"answer": "accept", "statement": "For open interfaces."})
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert (candidate.status, candidate.statement) == (
        CandidateStatus.ACCEPTED,
        "For open interfaces.",
    )
    assert client.post(url, {"answer": "maybe"}).status_code == 400
    client.post(url, {"answer": "decline"})
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.DECLINED


# --- The organization: the ballot -------------------------------------------------------


def test_the_ballot_page(client, voting, election, gamma, dora):
    client.force_login(dora)
    body = text(client.get(org_url("org_ballot", gamma, election)))
    assert f'name="it_vendor" value="{voting["alice"].pk}"' in body
    assert "Approve at most 5 candidates." in body
    assert "Approve at most 4 candidates." in body


def test_casting_shows_the_receipt_once(client, voting, election, gamma, dora):
    client.force_login(dora)
    # The summary holds the secret choices: not kept in the browser's history either.
    summary = client.post(
        org_url("org_ballot", gamma, election), {"it_vendor": [voting["alice"].pk]}
    )
    assert "Confirm your ballot" in text(summary)
    assert summary["Cache-Control"] == "no-store"
    response = client.post(
        org_url("org_ballot", gamma, election),
        {"it_vendor": [voting["alice"].pk], "confirm": "yes"},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = text(response)
    assert "shown only this once" in body
    (code,) = [
        line.split(">")[1].split("<")[0]
        for line in body.splitlines()
        if 'data-testid="receipt-code"' in line
    ]
    assert services.ballot_for_receipt(election, code) is not None
    again = text(client.get(org_url("org_ballot", gamma, election)))
    assert "Your organization voted on" in again and code not in again
    assert "Your organization voted on" in text(client.get(org_url("org_elections", gamma)))
    # A second cast from a stale page is refused.
    response = client.post(
        org_url("org_ballot", gamma, election),
        {"it_vendor": [voting["alice"].pk], "confirm": "yes"},
    )
    assert BallotCast.objects.count() == Ballot.objects.count() == 1
    assert code not in text(response)
    assert "Your organization has already voted" in text(response)


def test_too_many_on_the_ballot_is_a_form_error(client, voting, election, gamma, dora):
    Election.objects.filter(pk=election.pk).update(seats_it_vendor=1)
    client.force_login(dora)
    response = client.post(
        org_url("org_ballot", gamma, election),
        {"it_vendor": [voting["alice"].pk, voting["charlie"].pk]},
    )
    assert response.status_code == 400
    body = text(response)
    assert "At most 1 votes for IT vendor" in body
    assert body.count(" checked>") == 2  # the choices are kept
    assert not BallotCast.objects.exists()


@pytest.mark.parametrize("value", ["abc", "999999"])
def test_garbage_on_the_ballot_is_a_form_error(client, voting, election, gamma, dora, value):
    client.force_login(dora)
    response = client.post(org_url("org_ballot", gamma, election), {"it_vendor": [value]})
    assert response.status_code == 400
    assert not BallotCast.objects.exists()


def test_plain_members_and_outsiders_cannot_vote(client, voting, election, alpha, bob, charlie):
    client.force_login(bob)
    url = org_url("org_ballot", alpha, election)
    assert client.get(url).status_code == 403
    assert client.post(url, {"it_vendor": [voting["alice"].pk]}).status_code == 403
    client.force_login(charlie)
    assert client.get(url).status_code == 404
    assert client.post(url, {"it_vendor": [voting["alice"].pk]}).status_code == 404
    assert not BallotCast.objects.exists()


def test_an_admin_votes_too(client, voting, election, gamma):
    admin = UserFactory()
    MembershipFactory(organization=gamma, user=admin, role="admin")
    client.force_login(admin)
    response = client.post(org_url("org_ballot", gamma, election), {"confirm": "yes"})
    assert response.status_code == 200
    assert BallotCast.objects.filter(organization=gamma, cast_by=admin).exists()


def test_no_ballot_outside_the_window(client, voting, election, gamma, dora):
    at_phase(election, "closed")
    client.force_login(dora)
    body = text(client.get(org_url("org_ballot", gamma, election)))
    assert "Voting is not open." in body and 'type="checkbox"' not in body
    client.post(org_url("org_ballot", gamma, election), {"it_vendor": [voting["alice"].pk]})
    assert not BallotCast.objects.exists()


def test_ballot_page_queries_are_bounded(
    client, voting, election, gamma, dora, alpha, django_assert_max_num_queries
):
    for _index in range(20):
        Candidate.objects.create(
            election=election,
            group="it_customer",
            user=UserFactory(),
            organization=alpha,
            nominated_by_organization=alpha,
            status=CandidateStatus.ACCEPTED,
        )
    client.force_login(dora)
    with django_assert_max_num_queries(16):
        assert client.get(org_url("org_ballot", gamma, election)).status_code == 200


# --- The public -------------------------------------------------------------------------


def test_public_page_announces_accepted_candidates_only(
    client, election, alpha_member, alpha, alice, bob
):
    CandidateFactory(election=election, user=alice, nominated_by_organization=alpha, accepted=True)
    CandidateFactory(
        election=election, user=bob, nominated_by_organization=alpha, nominated_by=alice
    )
    at_phase(election, "voting")
    body = text(client.get(reverse("community:election", kwargs={"year": election.year})))
    assert "Alice Owner" in body and "Bob Member" not in body
    assert "Votes" not in body  # no results before publication
    assert client.get(reverse("community:election", kwargs={"year": 1999})).status_code == 404


def test_core_team_page_without_results(client, election):
    response = client.get(reverse("community:core_team"))
    assert response.status_code == 200
    assert "have not been published yet" in text(response)


def test_receipt_check(client, voting, election, gamma, dora):
    code = services.ballot_cast(
        election=election, organization=gamma, choices={"it_vendor": [voting["alice"].pk]}, by=dora
    )
    url = reverse("community:election_receipt", kwargs={"year": election.year})
    assert client.get(url).status_code == 200
    body = text(client.post(url, {"code": f" {code.lower()} "}))
    assert "Counted" in body and "Alice Owner" in body and "Charlie Outsider" not in body
    body = text(client.post(url, {"code": "0000-0000-0000-0000"}))
    assert "Not found" in body
    for typed in (code.replace("-", ""), code.replace("-", " ").lower()):
        body = text(client.post(url, {"code": typed}))
        assert "Counted" in body and "Alice Owner" in body, typed
    assert client.post(url, {"code": ""}).status_code == 200


def test_receipt_check_is_rate_limited(client, settings, election):
    settings.COMMUNITY_RECEIPT_RATE_LIMIT = 20
    url = reverse("community:election_receipt", kwargs={"year": election.year})
    for _ in range(20):
        assert client.post(url, {"code": "0000-0000-0000-0000"}).status_code == 200
    response = client.post(url, {"code": "0000-0000-0000-0000"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "Too many checks" in text(response)


def test_public_results_page_queries_are_bounded(
    client,
    office_user,
    alpha_member,
    beta_member,
    gamma_member,
    alpha,
    beta,
    alice,
    charlie,
    gamma,
    dora,
    django_assert_max_num_queries,
):
    election = ElectionFactory(
        published=True,
        created_by=office_user,
        candidates=[(alice, alpha), (charlie, beta)],
        voters=[(gamma, dora)],
    )
    with django_assert_max_num_queries(8):
        response = client.get(reverse("community:election", kwargs={"year": election.year}))
    assert "Elected" in text(response)
    with django_assert_max_num_queries(6):
        assert "Alice Owner" in text(client.get(reverse("community:core_team")))


def test_member_helper_is_used(catalogue, office_user):
    """A fourth member organization of another group turns up in the eligible count."""
    from cpo_portal.tenancy.services import organization_create

    owner = UserFactory()
    org = organization_create(by=owner, legal_name="Sigma Services", country="AT")
    member(org, owner, office_user, group="it_service_provider", valid_days=30)
    now = timezone.now()
    election = services.election_create(
        year=2040,
        title="",
        nomination_opens=now - timedelta(days=1),
        nomination_closes=now + timedelta(days=1),
        voting_opens=now + timedelta(days=2),
        voting_closes=now + timedelta(days=3),
        by=office_user,
    )
    from community.selectors.elections import turnout_of

    assert turnout_of(election) == (0, 1)


# --- Confirmations, election sanity, year and term (issue 17, navigation) -------------------


def test_the_ballot_shows_a_summary_before_it_is_cast(client, voting, election, gamma, dora):
    client.force_login(dora)
    url = org_url("org_ballot", gamma, election)
    response = client.post(url, {"it_vendor": [voting["alice"].pk]})
    assert response.status_code == 200
    body = text(response)
    summary = body.split('data-testid="ballot-summary"')[1].split("</dl>")[0]
    assert "Alice Owner" in summary and "Charlie Outsider" not in summary
    assert summary.count("No candidate approved in this group.") == 2
    assert "1 of at most 5 votes used." in summary
    assert f'<input type="hidden" name="it_vendor" value="{voting["alice"].pk}">' in body
    assert 'name="confirm" value="yes"' in body and "Your ballot is not cast yet." in body
    assert not BallotCast.objects.exists() and not Ballot.objects.exists()
    # Back to the ballot with the same boxes ticked; still nothing cast.
    response = client.post(url, {"it_vendor": [voting["alice"].pk], "change": "yes"})
    body = text(response)
    assert response.status_code == 200 and "Review the ballot" in body
    assert f'value="{voting["alice"].pk}" id="c-{voting["alice"].pk}" checked' in body
    assert not BallotCast.objects.exists()
    # The confirmation casts exactly the summarized choices.
    response = client.post(url, {"it_vendor": [voting["alice"].pk], "confirm": "yes"})
    assert "Your ballot has been cast" in text(response)
    (ballot,) = Ballot.objects.all()
    assert [v.candidate_id for v in ballot.votes.all()] == [voting["alice"].pk]


def test_the_summary_of_an_outsider_is_404(client, voting, election, gamma, charlie):
    client.force_login(charlie)
    url = org_url("org_ballot", gamma, election)
    assert client.post(url, {"it_vendor": [voting["alice"].pk]}).status_code == 404
    assert client.post(url, {"confirm": "yes"}).status_code == 404
    assert not BallotCast.objects.exists()


def test_publishing_the_results_of_an_outsider_is_404(client, election, alice, bob):
    for user in (alice, bob):
        client.force_login(user)
        url = office_url("office_election_publish", election)
        assert client.post(url, {"confirm": "yes"}).status_code == 404


def _between(election):
    """Nominations closed, voting not yet open (it opens by itself at voting_opens)."""
    now = timezone.now()
    election.nomination_opens = now - timedelta(days=2)
    election.nomination_closes = now - timedelta(hours=1)
    election.voting_opens = now + timedelta(days=1)
    election.voting_closes = now + timedelta(days=2)
    election.save()
    return election


def test_the_office_is_warned_of_groups_short_of_candidates(
    client, election, alpha_member, beta_member, alpha, beta, alice, charlie, bob, office_user
):
    Election.objects.filter(pk=election.pk).update(seats_it_vendor=2)
    election.refresh_from_db()
    for user, org in ((alice, alpha), (charlie, beta)):
        CandidateFactory(election=election, user=user, nominated_by_organization=org, accepted=True)
    CandidateFactory(election=election, user=bob, nominated_by_organization=alpha)  # no answer
    client.force_login(office_user)
    # While nominations are open: "so far".
    body = text(client.get(office_url("office_election", election)))
    warning = body.split('data-testid="short-groups"')[1].split("</div>")[0]
    assert "So far fewer candidates have accepted than there are seats." in warning
    assert "IT customer: 0 accepted candidates for 4 seats" in warning
    assert "IT service provider: 0 accepted candidates for 3 seats" in warning
    assert "IT vendor" not in warning  # 2 accepted for 2 seats
    # Once nominations have closed: prominent, with the time voting opens by itself, and on
    # the office's to-do list.
    _between(election)
    body = text(client.get(office_url("office_election", election)))
    warning = body.split('data-testid="short-groups"')[1].split("</div>")[0]
    assert 'role="alert"' in body.split('data-testid="short-groups"')[0][-200:]
    assert "Nominations have closed with fewer accepted candidates than seats." in warning
    home = text(client.get(reverse("office_home")))
    todo = home.split(f'id="todo-election-{election.year}"')[1].split("</tr>")[0]
    assert f"/office/community/elections/{election.pk}/" in todo
    assert "fewer candidates than seats" in todo
    assert "IT customer: 0 of 4" in todo


def test_no_warning_when_every_group_has_enough_candidates(
    client, election, alpha_member, gamma_member, alpha, gamma, alice, dora, office_user
):
    Election.objects.filter(pk=election.pk).update(
        seats_it_vendor=1, seats_it_customer=1, seats_it_service_provider=1
    )
    election.refresh_from_db()
    CandidateFactory(election=election, user=alice, nominated_by_organization=alpha, accepted=True)
    CandidateFactory(election=election, user=dora, nominated_by_organization=gamma, accepted=True)
    provider = UserFactory()
    Candidate.objects.create(
        election=election,
        group="it_service_provider",
        user=provider,
        organization=alpha,
        nominated_by_organization=alpha,
        status=CandidateStatus.ACCEPTED,
    )
    _between(election)
    client.force_login(office_user)
    assert 'data-testid="short-groups"' not in text(
        client.get(office_url("office_election", election))
    )
    assert f'id="todo-election-{election.year}"' not in text(client.get(reverse("office_home")))


def test_the_office_todo_waits_for_the_close_of_nominations(client, election, office_user):
    client.force_login(office_user)  # nominations open: the page warns, the list does not
    assert f'id="todo-election-{election.year}"' not in text(client.get(reverse("office_home")))
    at_phase(election, "voting")  # voting has opened: too late for the list
    assert f'id="todo-election-{election.year}"' not in text(client.get(reverse("office_home")))


TERM = (
    "elects the CPO Core Team for the term from the publication of its results until the "
    "results of the next election are published."
)


def test_every_election_page_says_what_year_and_term_mean(
    client, voting, election, gamma, dora, office_user
):
    pages = [
        reverse("community:election", kwargs={"year": election.year}),
        reverse("community:election_receipt", kwargs={"year": election.year}),
        org_url("org_elections", gamma),
        org_url("org_ballot", gamma, election),
    ]
    client.force_login(dora)
    for url in pages:
        body = " ".join(text(client.get(url)).split())
        assert f"Election {election.year}</strong> — {TERM}" in body, url
        assert "The term begins when the results are published" in body, url
    client.force_login(office_user)
    body = " ".join(text(client.get(office_url("office_election", election))).split())
    assert f"Election {election.year}</strong> — {TERM}" in body
    listing = " ".join(text(client.get(office_url("office_elections"))).split())
    assert "An election is named by its year" in listing


def test_the_term_of_a_published_election_runs_until_the_next_results(
    client, core_team, office_user
):
    core_team.results_published_at = timezone.now() - timedelta(days=400)
    core_team.save()
    body = " ".join(text(client.get(reverse("community:core_team"))).split())
    assert "This Core Team has served since" in body
    assert "until the results of the next election are published" in body
    later = ElectionFactory(
        at=timezone.now() + timedelta(days=366), published=True, created_by=office_user
    )
    Election.objects.filter(pk=later.pk).update(results_published_at=timezone.now())
    url = reverse("community:election", kwargs={"year": core_team.year})
    body = " ".join(text(client.get(url)).split())
    assert "This Core Team served from" in body


def test_the_term_reads_in_german(client, election, alice):
    alice.language = "de"
    alice.save(update_fields=["language"])
    client.force_login(alice)
    body = " ".join(
        text(client.get(reverse("community:election", kwargs={"year": election.year}))).split()
    )
    assert f"Wahl {election.year}</strong> — wählt das CPO Core Team" in body
    assert "Die Amtszeit beginnt mit der Veröffentlichung der Ergebnisse" in body


def test_the_office_todo_line_keeps_its_queries_bounded(
    rf, office_user, django_assert_max_num_queries
):
    from community.views.elections import office_election_todo

    for offset in range(5):
        _between(ElectionFactory(at=timezone.now() + timedelta(days=366 * offset)))
    request = rf.get("/office/")
    request.user = office_user
    with django_assert_max_num_queries(4):  # the waiting elections, then one per shown election
        items = office_election_todo(request)
    assert len(items) == 3 and all(item.count == 3 for item in items)
