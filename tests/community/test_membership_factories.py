"""AssociationMembershipFactory and helpers.member write what the services write.

At one frozen instant the services build Alpha's state, its rows are read and deleted, and
the factories build it again; every column of the signee, its signature, its review rows,
its documents and its prostep ivip membership must match (ids aside). The activity log and
the mails are the services' alone: a test that reads them goes through the services.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django_scopes import scopes_disabled

from community.models import AssociationMembership
from community.services import membership as services
from cpo_portal.documents.models import Document
from signees.models import Signature, Signee, SigneeReview
from signees.services.signing import signee_approve, signee_sign
from tests.community.factories import AssociationMembershipFactory
from tests.community.helpers import member
from tests.signees.factories import SigneeFactory

pytestmark = pytest.mark.django_db

INSTANT = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)
TODAY = INSTANT.date()
IDS = {"id", "signee_id", "owner_id"}


def _columns(row):
    return {
        f.attname: getattr(row, f.attname)
        for f in row._meta.concrete_fields
        if f.attname not in IDS
    }


def _state(organization):
    """Every column the portal could read of the organization's community membership."""
    with scopes_disabled():
        signee = Signee.objects.filter(organization=organization).first()
        return {
            "signee": signee and _columns(signee),
            "signatures": [_columns(s) for s in Signature.objects.filter(signee=signee)],
            "reviews": [
                _columns(r) for r in SigneeReview.objects.filter(signee=signee).order_by("pk")
            ],
            "documents": [
                _columns(d)
                for d in Document.objects.filter(organization=organization).order_by("pk")
            ],
            "membership": [
                _columns(m) for m in AssociationMembership.objects.filter(organization=organization)
            ],
        }


def _forget(organization):
    with scopes_disabled():
        AssociationMembership.objects.filter(organization=organization).delete()
        Document.objects.filter(organization=organization).delete()
        Signee.objects.filter(organization=organization).delete()


def _approved_signee(organization, owner, office, group="it_vendor"):
    signature = signee_sign(
        organization=organization,
        by=owner,
        group=group,
        signatory_name=str(owner),
        signatory_position="CEO",
        authority_confirmed=True,
    )
    return signee_approve(signee=signature.signee, by=office)


def _declared(organization, owner):
    return services.membership_declare(
        organization=organization,
        number=f"PI-{organization.pk:04d}",
        member_since=TODAY - timedelta(days=400),
        by=owner,
    )


@pytest.mark.parametrize(("group", "valid_days"), [("it_vendor", 365), ("it_customer", 30)])
def test_member_is_what_signing_approving_declaring_and_verifying_leave(
    catalogue, alpha, alice, office_user, group, valid_days
):
    with time_machine.travel(INSTANT, tick=False):
        _approved_signee(alpha, alice, office_user, group)
        services.membership_verify(
            membership=_declared(alpha, alice),
            valid_until=TODAY + timedelta(days=valid_days),
            by=office_user,
        )
        expected = _state(alpha)
        _forget(alpha)
        built = member(alpha, alice, office_user, group=group, valid_days=valid_days)
        state = _state(alpha)

    assert state == expected
    assert state["signee"]["status"] == "approved" and state["signee"]["group"] == group
    assert (built.status, built.valid_until) == ("verified", TODAY + timedelta(days=valid_days))


def _through_the_services(trait, alpha, alice, office_user):
    membership = _declared(alpha, alice)
    if trait == "verified":
        services.membership_verify(
            membership=membership, valid_until=TODAY + timedelta(days=365), by=office_user
        )
    elif trait == "rejected":
        services.membership_reject(
            membership=membership, reason="Not in our records", by=office_user
        )
    elif trait == "lapsed":
        services.membership_verify(membership=membership, valid_until=TODAY, by=office_user)
        assert services.memberships_lapse_due(today=TODAY + timedelta(days=1))["lapsed"] == 1


@pytest.mark.parametrize("trait", ["declared", "verified", "rejected", "lapsed"])
def test_each_membership_trait_is_what_the_services_leave(
    catalogue, alpha, alice, office_user, trait
):
    with time_machine.travel(INSTANT, tick=False):
        SigneeFactory(approved=True, organization=alpha, reviewed_by=office_user)
        _through_the_services(trait, alpha, alice, office_user)
        expected = _state(alpha)["membership"]
        with scopes_disabled():
            AssociationMembership.objects.filter(organization=alpha).delete()
        # The services verify by the office; a lapse is due the day after the validity.
        extra = {"verified_by": office_user} if trait in ("verified", "lapsed") else {}
        if trait == "lapsed":
            extra["valid_until"] = TODAY
        AssociationMembershipFactory(organization=alpha, **extra, **{trait: True})
        built = _state(alpha)["membership"]

    assert built == expected
    assert built[0]["status"] == trait
    assert built[0]["declared_by_id"] == alice.pk  # Alpha's owner


def test_a_lapsed_membership_ended_yesterday_by_default(alpha):
    with time_machine.travel(INSTANT, tick=False):
        lapsed = AssociationMembershipFactory(organization=alpha, lapsed=True)
    assert lapsed.valid_until == TODAY - timedelta(days=1)
