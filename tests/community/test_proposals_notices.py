"""The proposals' notices (cpo_portal/notifications): a new proposal to the current Core
Team, a comment or a move to its proposer (never for what they did themselves)."""

import pytest

from community.models import ProposalStatus
from community.services import proposals as services
from cpo_portal.notifications.models import Delivery, Notice, NotificationPreference
from tests.community.factories import ElectionFactory, ProposalFactory

pytestmark = pytest.mark.django_db
S = ProposalStatus


@pytest.fixture
def two_core_team(alpha_member, beta_member, gamma_member, alpha, beta, alice, charlie):
    """alice (Alpha) and charlie (Beta) are the Core Team; bob (Alpha) and dora (Gamma) are
    plain community members."""
    return ElectionFactory(published=True, candidates=[(alice, alpha), (charlie, beta)])


def _submit(organization, by):
    return services.proposal_submit(
        organization=organization, by=by, kind="change", title="Clarify 2.1.1", rationale="Why"
    )


def _recipients(mailoutbox):
    return sorted(address for message in mailoutbox for address in message.to)


def test_a_new_proposal_goes_to_the_core_team(
    two_core_team, alpha, bob, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = _submit(alpha, bob)

    assert _recipients(mailoutbox) == ["alice@example.org", "charlie@example.org"]
    message = mailoutbox[0]
    assert message.subject == "New proposal for the CPO: Clarify 2.1.1"
    assert "Alpha has submitted a proposal" in message.body
    assert f"/community/proposals/{proposal.pk}/" in message.body


def test_a_core_team_member_is_not_told_of_their_own_proposal(
    two_core_team, beta, charlie, alice, mailoutbox, django_capture_on_commit_callbacks
):
    alice.language = "de"
    alice.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        _submit(beta, charlie)

    assert _recipients(mailoutbox) == ["alice@example.org"]
    assert "Art: Änderung eines Kriteriums" in mailoutbox[0].body
    assert Notice.objects.get(user=alice).language == "de"
    assert not Notice.objects.filter(user=charlie).exists()


def test_a_comment_goes_to_the_proposer_not_to_the_commenter(
    two_core_team, alpha, beta, bob, charlie, mailoutbox, django_capture_on_commit_callbacks
):
    proposal = ProposalFactory(organization=alpha, submitted_by=bob)

    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_comment(
            proposal=proposal, organization=beta, by=charlie, body="Agreed, see 2.1.2."
        )
        services.proposal_comment(proposal=proposal, organization=alpha, by=bob, body="Thanks")

    assert _recipients(mailoutbox) == ["bob@example.org"]
    message = mailoutbox[0]
    assert message.subject == "New comment on your proposal: Clarify 2.1.1"
    assert "Charlie Outsider (Beta) commented" in message.body
    assert "Agreed, see 2.1.2." in message.body
    assert "charlie@example.org" not in message.body


def test_a_move_goes_to_the_proposer_in_their_language_by_their_choice(
    two_core_team, alpha, bob, alice, mailoutbox, django_capture_on_commit_callbacks
):
    proposal = ProposalFactory(organization=alpha, submitted_by=bob, discussion=True)
    bob.language = "de"
    bob.save(update_fields=["language"])

    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_transition(
            proposal=proposal, to=S.ACCEPTED, by=alice, rationale="Clearer wording."
        )

    assert _recipients(mailoutbox) == ["bob@example.org"]
    message = mailoutbox[0]
    assert "Für die nächste Version angenommen" in message.subject
    assert "Clearer wording." in message.body
    assert Notice.objects.get(user=bob).language == "de"


def test_an_opted_out_proposer_gets_a_notice_but_no_mail_and_digest_waits(
    two_core_team, alpha, bob, alice, charlie, mailoutbox, django_capture_on_commit_callbacks
):
    mine = ProposalFactory(organization=alpha, submitted_by=bob)
    theirs = ProposalFactory(organization=alpha, submitted_by=alice)
    NotificationPreference.objects.create(
        user=bob, kind="community.proposal_activity", delivery=Delivery.OFF
    )
    NotificationPreference.objects.create(
        user=alice, kind="community.proposal_activity", delivery=Delivery.DIGEST
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_transition(proposal=mine, to=S.DISCUSSION, by=charlie)
        services.proposal_transition(proposal=theirs, to=S.DISCUSSION, by=charlie)

    assert mailoutbox == []
    off = Notice.objects.get(user=bob, kind="community.proposal_activity")
    digest = Notice.objects.get(user=alice, kind="community.proposal_activity")
    assert (off.delivery, off.sent_at) == (Delivery.OFF, None)
    assert (digest.delivery, digest.sent_at) == (Delivery.DIGEST, None)
    assert "Under discussion" in digest.subject
