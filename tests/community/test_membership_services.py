"""Membership rules: who declares, what the office may verify or reject, and the lapse."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scopes_disabled

from community.models import AssociationMembership
from community.models import MembershipStatus as M
from community.selectors.membership import is_community_member, membership_of
from community.services import conference as conference_services
from community.services import elections as elections_services
from community.services import membership as membership_services
from community.tasks import lapse_memberships
from cpo_portal.activity.models import ActivityEntry
from tests.community.factories import ConferenceFactory
from tests.community.helpers import at_phase
from tests.signees.factories import SigneeFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def declared(organization, owner, office):
    SigneeFactory(approved=True, organization=organization, signed_by=owner, reviewed_by=office)
    return membership_services.membership_declare(
        organization=organization,
        number=" PI-1 ",
        member_since=TODAY() - timedelta(days=10),
        by=owner,
    )


def test_declaration_needs_an_admin_of_an_approved_signee(
    catalogue, alpha, alice, bob, office_user
):
    with pytest.raises(ValidationError, match="approved signees"):
        membership_services.membership_declare(
            organization=alpha, number="PI-1", member_since=TODAY(), by=alice
        )
    membership = declared(alpha, alice, office_user)
    assert (membership.status, membership.number) == (M.DECLARED, "PI-1")
    with pytest.raises(ValidationError, match="owner or admin"):
        membership_services.membership_declare(
            organization=alpha, number="PI-2", member_since=TODAY(), by=bob
        )
    with pytest.raises(ValidationError):
        membership_services.membership_declare(
            organization=alpha, number="PI-2", member_since=TODAY() + timedelta(days=1), by=alice
        )
    with pytest.raises(ValidationError):
        membership_services.membership_declare(
            organization=alpha, number="  ", member_since=TODAY(), by=alice
        )
    assert membership_of(alpha).number == "PI-1"


def test_verification_rules(catalogue, alpha, alice, office_user):
    membership = declared(alpha, alice, office_user)
    with pytest.raises(ValidationError, match="office"):
        membership_services.membership_verify(membership=membership, valid_until=TODAY(), by=alice)
    with pytest.raises(ValidationError, match="already ended"):
        membership_services.membership_verify(
            membership=membership, valid_until=TODAY() - timedelta(days=1), by=office_user
        )
    assert not is_community_member(alpha)
    verified = membership_services.membership_verify(
        membership=membership, valid_until=TODAY() + timedelta(days=90), by=office_user
    )
    assert verified.status == M.VERIFIED and verified.verified_by == office_user
    assert is_community_member(alpha)
    # Extending a verified membership is allowed.
    membership_services.membership_verify(
        membership=membership, valid_until=TODAY() + timedelta(days=400), by=office_user
    )
    assert membership_of(alpha).valid_until == TODAY() + timedelta(days=400)


def test_rejection_needs_a_reason_and_blocks_verification(catalogue, alpha, alice, office_user):
    membership = declared(alpha, alice, office_user)
    with pytest.raises(ValidationError, match="reason"):
        membership_services.membership_reject(membership=membership, reason="  ", by=office_user)
    with pytest.raises(ValidationError, match="office"):
        membership_services.membership_reject(membership=membership, reason="no", by=alice)
    rejected = membership_services.membership_reject(
        membership=membership, reason="Unknown number", by=office_user
    )
    assert (rejected.status, rejected.status_reason) == (M.REJECTED, "Unknown number")
    with pytest.raises(ValidationError, match="declared or verified"):
        membership_services.membership_verify(
            membership=membership, valid_until=TODAY() + timedelta(days=30), by=office_user
        )
    # Declared again (corrected), it can be verified.
    again = membership_services.membership_declare(
        organization=alpha, number="PI-7", member_since=TODAY(), by=alice
    )
    assert again.status == M.DECLARED and again.status_reason == ""
    membership_services.membership_verify(
        membership=again, valid_until=TODAY() + timedelta(days=30), by=office_user
    )
    assert is_community_member(alpha)


def test_lapse_warns_once_ahead_and_ends_community_rights(
    alpha_member, alpha, office_user, mailoutbox, django_capture_on_commit_callbacks
):
    membership_services.membership_verify(
        membership=alpha_member, valid_until=TODAY() + timedelta(days=40), by=office_user
    )
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        # 11 days early: nothing yet.
        assert membership_services.memberships_lapse_due(today=TODAY()) == {
            "lapsed": 0,
            "warned": 0,
        }
        # 30 days ahead: one warning, once.
        day = TODAY() + timedelta(days=10)
        assert membership_services.memberships_lapse_due(today=day) == {"lapsed": 0, "warned": 1}
        assert membership_services.memberships_lapse_due(today=day + timedelta(days=1)) == {
            "lapsed": 0,
            "warned": 0,
        }
    assert len(mailoutbox) == 1
    assert "ends on" in mailoutbox[0].subject
    assert mailoutbox[0].to == ["alice@example.org"]
    # The last valid day still counts; the day after, the rights have ended.
    last = TODAY() + timedelta(days=40)
    assert is_community_member(alpha, on=last)
    with django_capture_on_commit_callbacks(execute=True):
        assert membership_services.memberships_lapse_due(today=last) == {"lapsed": 0, "warned": 0}
        assert (
            membership_services.memberships_lapse_due(today=last + timedelta(days=1))["lapsed"] == 1
        )
        assert (
            membership_services.memberships_lapse_due(today=last + timedelta(days=2))["lapsed"] == 0
        )
    assert membership_of(alpha).status == M.LAPSED
    assert "lapsed" in mailoutbox[-1].subject
    assert not is_community_member(alpha)
    with scopes_disabled():
        assert ActivityEntry.objects.filter(verb="membership.lapsed").count() == 1


def test_renewal_warns_again_for_the_new_validity(alpha_member, office_user, mailoutbox):
    membership_services.membership_verify(
        membership=alpha_member, valid_until=TODAY() + timedelta(days=20), by=office_user
    )
    assert membership_services.memberships_lapse_due(today=TODAY())["warned"] == 1
    membership_services.membership_verify(
        membership=alpha_member, valid_until=TODAY() + timedelta(days=25), by=office_user
    )
    assert membership_services.memberships_lapse_due(today=TODAY())["warned"] == 1
    assert membership_services.memberships_lapse_due(today=TODAY())["warned"] == 0


def test_daily_task_lapses_expired_memberships(alpha_member, alpha):
    with scopes_disabled():
        AssociationMembership.objects.filter(pk=alpha_member.pk).update(
            valid_until=TODAY() - timedelta(days=1)
        )
    assert not is_community_member(alpha)  # already without rights, before the task runs
    assert lapse_memberships.delay().get() == {"lapsed": 1, "warned": 0}
    assert membership_of(alpha).status == M.LAPSED


def test_a_lapsed_organization_can_no_longer_register_or_vote(
    alpha_member, alpha, alice, office_user, election, beta_member, charlie
):
    conference = ConferenceFactory(open=True, capacity=10)
    membership_services.memberships_lapse_due(today=TODAY() + timedelta(days=366))
    assert membership_of(alpha).status == M.LAPSED
    assert not is_community_member(alpha)
    with pytest.raises(ValidationError, match="Community members"):
        conference_services.registration_create(
            conference=conference,
            organization=alpha,
            attendee_name="A",
            attendee_email="a@example.org",
            by=alice,
        )
    at_phase(election, "voting")
    with pytest.raises(ValidationError):
        elections_services.ballot_cast(election=election, organization=alpha, choices={}, by=alice)
