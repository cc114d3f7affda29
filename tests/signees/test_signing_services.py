"""Signing and the office's review: the lifecycle, its refusals and what it records."""

import hashlib
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from cpo_portal.activity.models import ActivityEntry
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.errors import DomainError, TransitionNotAllowed
from cpo_portal.tenancy.services import organization_update
from criteria.services.catalogue import catalogue_import, catalogue_retire
from signees.models import Signature, Signee, SigneeReview, SigneeStatus
from signees.services.signing import (
    CatalogueChanged,
    signee_approve,
    signee_change_group,
    signee_reject,
    signee_resubmit,
    signee_return,
    signee_unpublish,
    signee_withdraw,
)
from tests.factories import MembershipFactory

from .helpers import sign

pytestmark = pytest.mark.django_db


def _counts():
    with scopes_disabled():
        return (Signee.objects.count(), Signature.objects.count(), ActivityEntry.objects.count())


def test_signing_records_version_hash_signer_ip_and_agent(
    mini_catalogue, alpha, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signature = sign(alpha, alice, ip_address="203.0.113.7", user_agent="Firefox/140")
    signee = signature.signee
    assert signee.status == SigneeStatus.PENDING
    assert signature.catalogue_version == mini_catalogue
    expected = hashlib.sha256(signature.declaration_text.encode()).hexdigest()
    assert signature.declaration_sha256 == expected
    assert "Alpha" in signature.declaration_text
    assert "t-1" in signature.declaration_text
    assert signature.ip_address == "203.0.113.7"
    assert signature.user_agent == "Firefox/140"
    assert signature.signed_by == alice
    assert signee.statement_due is not None  # IT vendor
    with scopes_disabled():
        document = Document.objects.get(kind="signed_declaration", owner_id=str(signature.pk))
    assert document.status == DocumentStatus.READY
    assert any("signed the Code of PLM Openness" in m.subject for m in mail.outbox)


def test_non_vendors_have_no_statement_deadline(mini_catalogue, alpha, alice):
    assert sign(alpha, alice, group="it_customer").signee.statement_due is None


@pytest.mark.parametrize(
    "extra",
    [
        {"authority_confirmed": False},
        {"signatory_name": " "},
        {"group": "it_astronaut"},
    ],
)
def test_incomplete_signatures_are_refused_and_write_nothing(mini_catalogue, alpha, alice, extra):
    before = _counts()
    with pytest.raises(DomainError):
        sign(alpha, alice, **extra)
    assert _counts() == before


def test_signing_twice_is_refused(signed, alpha, alice):
    before = _counts()
    with pytest.raises(DomainError, match="already signed"):
        sign(alpha, alice)
    assert _counts() == before


def test_plain_members_and_outsiders_cannot_sign(mini_catalogue, alpha, bob, charlie):
    for user in (bob, charlie):
        with pytest.raises(DomainError):
            sign(alpha, user)
    with scopes_disabled():
        assert not Signee.objects.exists()


def test_without_a_published_catalogue_nobody_can_sign(mini_catalogue, alpha, alice):
    catalogue_retire(version=mini_catalogue, by=None)
    with pytest.raises(DomainError, match="No published CPO catalogue"):
        sign(alpha, alice)


@pytest.mark.parametrize("read", ["t-1", "t-9", ""])
def test_signing_a_version_other_than_the_one_in_force_is_refused(
    newer_mini_catalogue, alpha, alice, read
):
    before = _counts()
    with pytest.raises(CatalogueChanged, match="version t-2 is in force"):
        sign(alpha, alice, version_code=read)
    assert _counts() == before
    signature = sign(alpha, alice, version_code="t-2")
    assert signature.catalogue_version == newer_mini_catalogue
    assert "catalogue version t-2" in signature.declaration_text


def test_a_draft_version_cannot_be_signed(mini_catalogue, alpha, alice):
    from criteria.interchange import parse

    from .helpers import MINI_CATALOGUE

    catalogue_import(
        data=parse(MINI_CATALOGUE.replace('version: "t-1"', 'version: "t-3"')), by=None
    )
    before = _counts()
    with pytest.raises(CatalogueChanged, match="t-3 is not the published version"):
        sign(alpha, alice, version_code="t-3")
    assert _counts() == before


def test_approval_sets_signee_since_once(signed, office_user, alpha):
    approved = signee_approve(signee=signed, by=office_user)
    since = approved.approved_at
    assert since is not None
    unpublished = signee_unpublish(signee=approved, by=office_user, reason="Logo misuse")
    assert unpublished.status_reason == "Logo misuse"
    again = signee_approve(signee=unpublished, by=office_user)
    assert again.approved_at == since
    with scope(organization=alpha):
        actions = list(SigneeReview.objects.values_list("action", flat=True))
    assert actions == ["approve", "unpublish", "approve"]


@pytest.mark.parametrize("decide", [signee_reject, signee_return])
def test_decisions_need_a_reason_the_company_is_mailed(
    signed, office_user, alice, decide, django_capture_on_commit_callbacks
):
    with pytest.raises(DomainError, match="reason"):
        decide(signee=signed, by=office_user, reason="  ")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decided = decide(signee=signed, by=office_user, reason="Website does not match")
    assert decided.status_reason == "Website does not match"
    assert [alice.email] in [m.to for m in mail.outbox]
    assert any("Website does not match" in m.body for m in mail.outbox)


def test_edges_that_do_not_exist_are_refused(signed, office_user):
    with pytest.raises(TransitionNotAllowed):
        signee_unpublish(signee=signed, by=office_user, reason="x")
    signee_reject(signee=signed, by=office_user, reason="Not a company")
    with pytest.raises(TransitionNotAllowed):
        signee_approve(signee=signed, by=office_user)


def test_returned_signature_is_resubmitted_by_an_admin(signed, office_user, alice, bob):
    signee_return(signee=signed, by=office_user, reason="Add the address")
    with pytest.raises(DomainError):
        signee_resubmit(signee=signed, by=bob)
    assert signee_resubmit(signee=signed, by=alice).status == SigneeStatus.PENDING


def test_withdrawal_keeps_history_and_allows_signing_again(approved, alpha, alice, bob):
    with pytest.raises(DomainError):
        signee_withdraw(signee=approved, by=bob)
    withdrawn = signee_withdraw(signee=approved, by=alice)
    assert withdrawn.status == SigneeStatus.WITHDRAWN
    with scope(organization=alpha):
        assert Signature.objects.get().withdrawn_at is not None
    again = sign(alpha, alice, group="it_customer").signee
    assert again.pk == approved.pk
    assert again.status == SigneeStatus.PENDING
    with scope(organization=alpha):
        assert Signature.objects.count() == 2


def test_signing_again_after_withdrawal_starts_a_new_signee_since(
    approved, alpha, alice, office_user
):
    first = timezone.now() - timedelta(days=400)
    with scopes_disabled():
        Signee.objects.filter(pk=approved.pk).update(approved_at=first)
    signee_withdraw(signee=approved, by=alice)
    again = sign(alpha, alice).signee
    assert again.approved_at is None
    approved_again = signee_approve(signee=again, by=office_user)
    assert approved_again.approved_at > first + timedelta(days=399)


def _return_and_resubmit(signee, alpha, alice, office_user):
    returned = signee_return(signee=signee, by=office_user, reason="Add the address")
    return signee_resubmit(signee=returned, by=alice), "made the requested changes"


def _change_group(signee, alpha, alice, office_user):
    signee = signee_approve(signee=signee, by=office_user)
    changed = signee_change_group(signee=signee, by=alice, group="it_customer")
    return changed, "changed its group from IT vendor to IT customer"


def _change_legal_name(signee, alpha, alice, office_user):
    signee_approve(signee=signee, by=office_user)
    organization_update(organization=alpha, by=alice, legal_name="Alpha Holding SE")
    with scope(organization=alpha):
        return Signee.objects.get(), "changed its legal name to Alpha Holding SE"


@pytest.mark.parametrize("route", [_return_and_resubmit, _change_group, _change_legal_name])
def test_the_office_is_told_when_a_signee_is_back_for_review(
    signed, alpha, alice, office_user, route, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        signee, why = route(signed, alpha, alice, office_user)
    assert signee.status == SigneeStatus.PENDING
    again = [m for m in mail.outbox if "to review again" in m.subject]
    assert len(again) == 1
    assert again[0].to == [office_user.email]
    assert why in again[0].body
    assert f"/office/signees/{signee.pk}/" in again[0].body


def test_group_change_after_approval_goes_back_to_review(approved, alice):
    changed = signee_change_group(signee=approved, by=alice, group="it_service_provider")
    assert changed.group == "it_service_provider"
    assert changed.status == SigneeStatus.PENDING


def test_legal_name_change_after_approval_goes_back_to_review(approved, alpha, alice):
    organization_update(organization=alpha, by=alice, legal_name="Alpha Holding SE")
    with scope(organization=alpha):
        assert Signee.objects.get().status == SigneeStatus.PENDING


def test_display_name_change_keeps_the_listing_and_updates_its_name(approved, alpha, alice):
    organization_update(organization=alpha, by=alice, display_name="Alpha Works")
    with scope(organization=alpha):
        signee = Signee.objects.get()
    assert signee.status == SigneeStatus.APPROVED
    assert signee.listed_name == "Alpha Works"


def test_admin_of_the_organization_may_sign(mini_catalogue, alpha, alice, make_user):
    admin = make_user(email="admin@alpha.example")
    MembershipFactory(organization=alpha, user=admin, role="admin")
    assert sign(alpha, admin).signee.status == SigneeStatus.PENDING
