"""A person's data on request (GDPR Art. 15 and 17): the office exports it and erases it,
keeping what the records must keep and saying so; nobody else reaches these pages.

The scenario: alice (Alpha, a community member) signed the CPO, stood for the Core Team
with a statement and was elected, submitted a proposal and commented on it, registered for
the conference and appears in the figures of this year's annual report; bob is a member of
Alpha, charlie owns Beta, which voted.
"""

import json
import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from rest_framework.authtoken.models import Token

from community.models import AnnualReport, Candidate, ProposalComment, Registration
from community.services import conference as community_conference
from community.services import elections as community_elections
from community.services import proposals as community_proposals
from community.services import reports as community_reports
from cpo_portal.accounts.models import OfficeRole, StaffInvitation, User
from cpo_portal.accounts.selectors.people import erasure_blockers, erasure_preview
from cpo_portal.accounts.services.people import person_erase, person_export
from cpo_portal.accounts.services.personnel import staff_invitation_accept, staff_invite
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.errors import DomainError
from cpo_portal.tenancy.models import Membership, Role
from cpo_portal.tenancy.services import invitation_create, membership_change_role
from signees.models import Signature
from tests.community import conftest as community_fixtures
from tests.community.helpers import at_phase
from tests.factories import UserFactory, make_office

pytestmark = pytest.mark.django_db

# The community's fixtures, shared with this module.
alpha_member = community_fixtures.alpha_member
beta_member = community_fixtures.beta_member
election = community_fixtures.election

STATEMENT = "I stand for open interfaces."
COMMENT = "We would implement this within a year."


@pytest.fixture
def world(alpha_member, beta_member, alpha, beta, alice, bob, charlie, office_user, election):
    candidate = community_elections.candidate_nominate(
        election=election,
        nominating_organization=alpha,
        candidate_user=alice,
        candidate_organization=alpha,
        by=alice,
        statement=STATEMENT,
    )
    community_elections.candidate_answer(candidate=candidate, accept=True, by=alice)
    at_phase(election, "voting")
    community_elections.ballot_cast(
        election=election,
        organization=beta,
        choices={"it_vendor": [candidate.pk]},
        by=charlie,
    )
    community_elections.ballot_cast(
        election=election, organization=alpha, choices={"it_vendor": [candidate.pk]}, by=alice
    )
    at_phase(election, "closed")
    community_elections.election_tally(election=election, by=office_user)
    community_elections.results_publish(election=election, by=office_user)

    proposal = community_proposals.proposal_submit(
        organization=alpha,
        by=alice,
        kind="new",
        title="A criterion on bulk export",
        rationale="Customers need their data.",
    )
    community_proposals.proposal_comment(
        proposal=proposal, organization=alpha, by=alice, body=COMMENT
    )

    now = timezone.now()
    conference = community_conference.conference_save(
        by=office_user,
        year=now.year,
        title="CPO Conference",
        starts_on=(now + timedelta(days=30)).date(),
        ends_on=(now + timedelta(days=31)).date(),
        venue="Darmstadt",
        capacity=10,
        registration_opens=now - timedelta(days=1),
        registration_closes=now + timedelta(days=20),
    )
    community_conference.conference_publish(conference=conference, by=office_user)
    community_conference.registration_create(
        conference=conference,
        organization=alpha,
        attendee_name="Alice Owner",
        attendee_email="alice@example.org",
        by=alice,
    )
    report = community_reports.report_create(year=now.year, by=office_user)
    community_reports.report_snapshot_take(report=report, by=office_user)
    Token.objects.create(user=alice)
    return {"proposal": proposal, "report": report, "candidate": candidate}


def _office(office_user) -> Client:
    client = Client()
    client.force_login(office_user)
    return client


def _export(client, person) -> dict:
    response = client.post(reverse("accounts:office_person_export", args=[person.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    return json.loads(response.content)


def _erase(client, person, confirmation=None):
    return client.post(
        reverse("accounts:office_person_erase", args=[person.pk]),
        {"confirmation": person.email if confirmation is None else confirmation},
    )


def _make_bob_owner(alpha, alice, bob):
    with scope(organization=alpha):
        membership = Membership.objects.get(user=bob)
    membership_change_role(membership=membership, role=Role.OWNER, by=alice)


# --- Export ----------------------------------------------------------------------------


def test_export_holds_everything_the_portal_has_about_the_person(world, alice, office_user):
    data = _export(_office(office_user), alice)

    assert data["account"]["email"] == "alice@example.org"
    assert data["account"]["full_name"] == "Alice Owner"
    assert data["account"]["api_token"] is not None
    assert "key" not in json.dumps(data["account"]["api_token"])
    assert [m["organization"] for m in data["organizations"]["memberships"]] == ["Alpha"]
    assert data["signees"]["signatures"][0]["organization"] == "Alpha"
    community_data = data["community"]
    assert community_data["candidacies"][0]["statement"] == STATEMENT
    assert community_data["comments"][0]["comment"] == COMMENT
    assert community_data["proposals"]["submitted"][0]["title"] == "A criterion on bulk export"
    assert community_data["conference_registrations"][0]["attendee_email"] == "alice@example.org"
    assert {a["action"] for a in data["activity"]["actions"]} >= {
        "organization.created",
        "proposal.submitted",
    }
    assert data["kept_on_erasure"], "the export says what an erasure keeps"


def test_export_says_that_an_organization_voted_but_never_how(world, alice, office_user):
    data = _export(_office(office_user), alice)

    (cast,) = data["community"]["ballots_cast_for_organization"]
    assert set(cast) == {"election", "organization", "time"}
    assert "receipt" not in json.dumps(data).lower()


def test_an_export_is_logged(world, alice, office_user):
    _export(_office(office_user), alice)

    with scopes_disabled():
        entry = ActivityEntry.objects.filter(verb="person.exported").get()
    assert entry.actor == office_user
    assert entry.data == {"person": alice.pk}


ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _addresses(value) -> set[str]:
    """Every e-mail address anywhere in an export document, keys included."""
    if isinstance(value, str):
        return {a.lower() for a in ADDRESS.findall(value)}
    if isinstance(value, dict):
        return set().union(*(_addresses(k) | _addresses(v) for k, v in value.items()))
    if isinstance(value, list):
        return set().union(*(_addresses(v) for v in value))
    return set()


def test_an_export_holds_no_address_but_the_persons_own(
    world, alpha, alice, bob, office_user, auditor_user
):
    """Art. 15(4): the export hands over this person's data, not other people's addresses —
    not the invitee's in an activity entry's object text, nor in its details."""
    invitation_create(organization=alpha, by=alice, email="invitee@example.org")
    _make_bob_owner(alpha, alice, bob)
    EmailAddress.objects.create(user=alice, email="alice.second@example.org", verified=True)
    invitation_create(organization=alpha, by=alice, email="auditor@example.org")
    office = _office(office_user)
    office.get(reverse("accounts:office_person", args=[auditor_user.pk]))
    _export(office, auditor_user)

    alice_data = _export(office, alice)
    office_data = _export(office, office_user)

    assert _addresses(alice_data) == {"alice@example.org", "alice.second@example.org"}
    assert _addresses(office_data) == {"office@example.org"}
    assert "[another person's address]" in json.dumps(alice_data)
    sent = [a for a in alice_data["activity"]["actions"] if a["action"] == "invitation.sent"]
    assert sent, "the invitations stay in the export, without the invitees' addresses"
    assert "Alpha" in json.dumps(sent)


def test_export_takes_no_get(world, alice, office_user):
    response = _office(office_user).get(reverse("accounts:office_person_export", args=[alice.pk]))

    assert response.status_code == 405


# --- Erasure -----------------------------------------------------------------------------


def test_the_confirmation_page_says_what_goes_and_what_stays(world, alpha, alice, bob, office_user):
    _make_bob_owner(alpha, alice, bob)

    page = (
        _office(office_user)
        .get(reverse("accounts:office_person_erase", args=[alice.pk]))
        .content.decode()
    )

    assert "candidate statement" in page
    assert "conference registration" in page
    assert "certification record stays" in page
    assert "Ballots were never linked to a person" in page
    assert 'name="confirmation"' in page


def test_erasure_anonymises_the_account(world, alpha, alice, bob, office_user):
    _make_bob_owner(alpha, alice, bob)
    alice_browser = Client()
    alice_browser.force_login(alice)

    response = _erase(_office(office_user), alice)

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.email == f"erased-{alice.pk}@erased.invalid"
    assert alice.full_name == ""
    assert not alice.has_usable_password()
    assert not alice.is_active
    assert str(alice) == "Former member"
    assert not EmailAddress.objects.filter(user=alice).exists()
    assert not Token.objects.filter(user=alice).exists()
    assert not Client().login(email="alice@example.org", password="correct-horse-battery-9")
    # Signed out everywhere: her open session no longer lets her in.
    assert alice_browser.get(reverse("dashboard")).status_code == 302


def test_erasure_deletes_memberships_statements_and_registrations(
    world, alpha, alice, bob, office_user
):
    _make_bob_owner(alpha, alice, bob)

    _erase(_office(office_user), alice)

    with scopes_disabled():
        assert not Membership.objects.filter(user=alice).exists()
        registration = Registration.objects.get()
    assert Candidate.objects.get(pk=world["candidate"].pk).statement == ""
    assert registration.attendee_email.endswith("@erased.invalid")
    assert registration.attendee_name == "[erased]"
    assert registration.status == "cancelled"  # the conference is still to come
    snapshot = AnnualReport.objects.get(pk=world["report"].pk).snapshot
    names = [c["name"] for g in snapshot["election"]["groups"].values() for c in g["candidates"]]
    assert "Alice Owner" not in names


def test_erasure_keeps_the_records_and_names_a_former_member(world, alpha, alice, bob, office_user):
    _make_bob_owner(alpha, alice, bob)
    proposal = world["proposal"]

    _erase(_office(office_user), alice)

    with scopes_disabled():
        signature = Signature.objects.get(signee__organization=alpha)
    assert signature.signed_by_id == alice.pk
    assert signature.signatory_name == "Alice Owner"  # the declaration as signed
    assert Candidate.objects.filter(pk=world["candidate"].pk, user=alice).exists()
    assert ProposalComment.objects.get(proposal=proposal).body == COMMENT
    core_team = Client().get(reverse("community:core_team")).content.decode()
    assert "Former member" in core_team
    assert "Alice Owner" not in core_team
    page = Client().get(reverse("community:proposal", args=[proposal.pk])).content.decode()
    assert "Former member" in page
    assert "Alice Owner" not in page


def test_erasure_takes_name_and_address_out_of_the_activity_log(
    world, alpha, alice, bob, office_user
):
    _make_bob_owner(alpha, alice, bob)
    with scopes_disabled():
        entries_before = ActivityEntry.objects.count()

    _erase(_office(office_user), alice)

    with scopes_disabled():
        texts = [
            f"{e.target_repr} {json.dumps(e.data, ensure_ascii=False)}"
            for e in ActivityEntry.objects.all()
        ]
    assert len(texts) > entries_before  # nothing deleted: the erasure is logged on top
    assert [t for t in texts if "alice@example.org" in t or "Alice Owner" in t] == []
    with scopes_disabled():
        erased = ActivityEntry.objects.filter(verb="person.erased").get()
    assert erased.actor == office_user
    assert erased.data["person"] == alice.pk
    assert erased.data["memberships"] == 1


def test_the_export_of_an_erased_person_says_what_was_kept(world, alpha, alice, bob, office_user):
    _make_bob_owner(alpha, alice, bob)
    office = _office(office_user)
    _erase(office, alice)

    data = _export(office, alice)

    assert data["account"]["email"].endswith("@erased.invalid")
    assert data["account"]["full_name"] == ""
    assert data["signees"]["signatures"][0]["signatory_name"] == "Alice Owner"
    assert data["community"]["candidacies"][0]["statement"] == ""
    assert "alice@example.org" not in json.dumps(data)


def test_erasure_needs_the_address_typed(world, alpha, alice, bob, office_user):
    _make_bob_owner(alpha, alice, bob)

    response = _erase(_office(office_user), alice, confirmation="someone@example.org")

    assert response.status_code == 200
    assert "This is not the person&#x27;s e-mail address." in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"
    with scopes_disabled():
        assert not ActivityEntry.objects.filter(verb="person.erased").exists()


def test_the_last_owner_of_an_organization_with_members_is_not_erased(world, alice, office_user):
    response = _erase(_office(office_user), alice)

    assert response.status_code == 200
    assert "last owner of Alpha" in response.content.decode()
    alice.refresh_from_db()
    assert alice.is_active
    assert alice.email == "alice@example.org"


def test_the_office_cannot_erase_itself(office_user):
    with pytest.raises(DomainError):
        person_erase(person=office_user, by=office_user)

    response = _erase(_office(office_user), office_user)
    assert "You cannot erase your own account" in response.content.decode()
    office_user.refresh_from_db()
    assert office_user.is_active


def test_the_last_office_administrator_is_not_erased(office_user, make_user):
    reasons = erasure_blockers(person=office_user, by=make_user())

    assert any("last administrator of the CPO office" in str(r) for r in reasons)


def test_another_office_member_can_be_erased(office_user, make_user, activate_totp):
    colleague = make_user(full_name="Otto Office")
    make_office(colleague)

    response = _erase(_office(office_user), colleague)

    assert response.status_code == 302
    colleague.refresh_from_db()
    assert not colleague.groups.exists()
    assert not colleague.is_active


def test_an_erased_person_is_not_erased_twice(office_user, make_user):
    person = make_user()
    person_erase(person=person, by=office_user)

    with pytest.raises(DomainError):
        person_erase(person=User.objects.get(pk=person.pk), by=office_user)


# --- Who reaches the pages ----------------------------------------------------------------

PAGES = (
    "accounts:office_people",
    "accounts:office_person",
    "accounts:office_person_export",
    "accounts:office_person_erase",
)


def _url(name, person):
    return reverse(name) if name == "accounts:office_people" else reverse(name, args=[person.pk])


@pytest.mark.parametrize("name", PAGES)
def test_outsiders_get_404(name, alice, charlie, auditor_user, client):
    for outsider in (charlie, auditor_user):
        client.force_login(outsider)
        assert client.get(_url(name, alice)).status_code == 404
        assert client.post(_url(name, alice), {"confirmation": alice.email}).status_code == 404
    alice.refresh_from_db()
    assert alice.is_active


@pytest.mark.parametrize("name", PAGES)
def test_visitors_are_sent_to_sign_in(name, alice, client):
    response = client.get(_url(name, alice))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_office_without_a_second_factor_is_sent_to_set_it_up(alice, office_user_without_mfa):
    client = Client()
    client.force_login(office_user_without_mfa)

    response = client.get(reverse("accounts:office_person", args=[alice.pk]))

    assert response.status_code == 302
    assert "/accounts/2fa/" in response["Location"]


def test_the_office_finds_people_by_name_or_address(alice, bob, office_user):
    client = _office(office_user)

    by_name = client.get(reverse("accounts:office_people"), {"q": "alice owner"}).content.decode()
    by_address = client.get(reverse("accounts:office_people"), {"q": "bob@"}).content.decode()

    assert "alice@example.org" in by_name and "bob@example.org" not in by_name
    assert "bob@example.org" in by_address


def test_the_people_list_takes_a_bounded_number_of_queries(
    office_user, make_user, django_assert_max_num_queries
):
    client = _office(office_user)
    client.get(reverse("accounts:office_people"))  # warm up: session, permissions
    for _ in range(30):
        make_user()

    with django_assert_max_num_queries(12):
        assert client.get(reverse("accounts:office_people")).status_code == 200


def test_the_detail_page_shows_the_person_and_the_actions(world, alice, office_user):
    page = (
        _office(office_user)
        .get(reverse("accounts:office_person", args=[alice.pk]))
        .content.decode()
    )

    assert "alice@example.org" in page
    assert reverse("accounts:office_person_export", args=[alice.pk]) in page
    assert reverse("accounts:office_person_erase", args=[alice.pk]) in page
    assert "last owner of Alpha" in page


# --- Staff invitations (issue 15) --------------------------------------------------------


def test_staff_invitations_are_exported_and_go_with_the_person(office_user):
    nina = UserFactory(email="nina@example.org", full_name="Nina New")
    _, token = staff_invite(
        email="Nina@example.org",
        full_name="Nina N.",
        office_roles=[OfficeRole.CERTIFIER],
        as_auditor=False,
        by=office_user,
    )
    staff_invitation_accept(token=token, user=nina)
    staff_invite(  # a second, still open one to her address
        email="nina@example.org",
        full_name="Nina N.",
        office_roles=[OfficeRole.REVIEWER],
        as_auditor=False,
        by=office_user,
    )

    exported = person_export(person=nina, by=office_user)["account"]
    sent = person_export(person=office_user, by=office_user)["account"]["staff_invitations_sent"]
    lines = [str(line.text) for line in erasure_preview(nina).lines]
    counts = person_erase(person=nina, by=office_user)

    received = exported["staff_invitations_received"]
    assert [(i["full_name"], i["office_roles"]) for i in received] == [
        ("Nina N.", ["certifier"]),
        ("Nina N.", ["reviewer"]),
    ]
    assert received[0]["accepted"] is not None
    # The administrator's export lists what they sent, not the invitees' names or addresses.
    assert [i["office_roles"] for i in sent] == [["certifier"], ["reviewer"]]
    assert "Nina" not in str(sent) and "nina@" not in str(sent)
    assert any("2 invitations to the CPO office or the auditors" in line for line in lines)
    assert counts["staff_invitations"] == 2
    assert not StaffInvitation.objects.exists()
