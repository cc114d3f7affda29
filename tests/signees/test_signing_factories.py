"""SigneeFactory writes what the signing services write: each trait against the services.

At one frozen instant the services build Alpha's signee, its rows are read and deleted, and
the factory builds it again; every column of the signee, its signature, its review rows and
its declaration's document row must match (ids aside). The activity log and the mails are
the services' alone: a test that reads them goes through the services.
"""

from datetime import UTC, datetime

import pytest
import time_machine
from django_scopes import scopes_disabled

from cpo_portal.documents.models import Document
from signees.models import Signature, Signee, SigneeReview
from signees.services.signing import signee_approve, signee_withdraw

from .factories import SigneeFactory
from .helpers import sign

pytestmark = pytest.mark.django_db

INSTANT = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)
IDS = {"id", "signee_id", "owner_id"}


def _columns(row):
    return {
        f.attname: getattr(row, f.attname)
        for f in row._meta.concrete_fields
        if f.attname not in IDS
    }


def _state(organization):
    """Every column the portal could read of the organization's signee, ids aside."""
    with scopes_disabled():
        signee = Signee.objects.get(organization=organization)
        return {
            "signee": _columns(signee),
            "signatures": [_columns(s) for s in Signature.objects.filter(signee=signee)],
            "reviews": [
                _columns(r) for r in SigneeReview.objects.filter(signee=signee).order_by("pk")
            ],
            "documents": [_columns(d) for d in Document.objects.filter(organization=organization)],
        }


def _forget(organization):
    with scopes_disabled():
        Document.objects.filter(organization=organization).delete()
        Signee.objects.filter(organization=organization).delete()


def _pending(alpha, alice, office_user, group):
    return sign(alpha, alice, group=group).signee


def _approved(alpha, alice, office_user, group):
    return signee_approve(signee=_pending(alpha, alice, office_user, group), by=office_user)


def _withdrawn(alpha, alice, office_user, group):
    return signee_withdraw(signee=_approved(alpha, alice, office_user, group), by=alice)


@pytest.mark.parametrize("group", ["it_vendor", "it_customer"])
@pytest.mark.parametrize(
    ("trait", "through_the_services"),
    [("pending", _pending), ("approved", _approved), ("withdrawn", _withdrawn)],
)
def test_each_trait_is_what_the_services_leave(
    mini_catalogue, alpha, alice, office_user, trait, through_the_services, group
):
    with time_machine.travel(INSTANT, tick=False):
        through_the_services(alpha, alice, office_user, group)
        expected = _state(alpha)
        _forget(alpha)
        # signed_by defaults to the organization's owner, alice.
        SigneeFactory(organization=alpha, group=group, reviewed_by=office_user, **{trait: True})
        built = _state(alpha)

    assert built == expected
    assert built["signee"]["status"] == trait
    assert built["signatures"][0]["declaration_text"].startswith("DECLARATION OF COMMITMENT")
    assert len(built["documents"]) == 1


def test_the_signatory_and_where_they_signed_from_are_recorded_as_given(mini_catalogue, beta):
    signee = SigneeFactory(
        organization=beta,
        signatory_name=" Ann O'Brien & Co ",
        signatory_position="COO",
        ip_address="",
        user_agent="x" * 500,
    )
    with scopes_disabled():
        signature = Signature.objects.get(signee=signee)
    assert signature.signatory_name == "Ann O'Brien & Co"
    assert "Signed for the company by Ann O'Brien & Co, COO" in signature.declaration_text
    assert signature.declaration_verifies
    assert signature.ip_address is None
    assert len(signature.user_agent) == 400
    assert signature.signed_by.email == "charlie@example.org"  # Beta's owner


def test_without_a_published_catalogue_the_factory_says_what_is_missing(alpha):
    with pytest.raises(LookupError, match="publish one first"):
        SigneeFactory(organization=alpha)
