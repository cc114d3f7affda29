"""The agreement factories write what the agreement services write: a published version
(agreement_draft, then agreement_publish), an acceptance (agreement_accept, as the helper
accept_agreement calls it), and the acceptance the stage traits leave (ApplicationFactory
submitted, against the `submitted` fixture through the services)."""

import pytest
import time_machine
from django_scopes import scope, scopes_disabled

from certification.models import AgreementAcceptance, AgreementVersion, Deadline
from certification.services.agreements import agreement_draft, agreement_publish

from .factories import (
    AGREEMENT_TEXT,
    AGREEMENT_TITLE,
    AgreementAcceptanceFactory,
    AgreementVersionFactory,
    ApplicationFactory,
)
from .helpers import accept_agreement
from .test_applications_factories import INSTANT, columns

pytestmark = pytest.mark.django_db


def _versions():
    return [columns(v) for v in AgreementVersion.objects.order_by("number")]


def _acceptances(organization):
    with scope(organization=organization):
        return [
            columns(a) | {"agreement_id": None}
            for a in AgreementAcceptance.objects.filter(organization=organization)
        ]


@pytest.mark.parametrize("published", [False, True])
def test_a_version_is_what_the_services_leave(office_user, published):
    with time_machine.travel(INSTANT, tick=False):
        version = agreement_draft(by=office_user, title=AGREEMENT_TITLE, text=AGREEMENT_TEXT)
        if published:
            agreement_publish(agreement=version, by=office_user)
        expected = _versions()
        AgreementVersion.objects.all().delete()
        trait = {"published": True} if published else {"draft": True}
        AgreementVersionFactory(created_by=office_user, **trait)
        built = _versions()

    assert built == expected
    assert built[0]["number"] == 1


def test_an_acceptance_is_what_the_service_leaves(alpha, alice, office_user):
    with time_machine.travel(INSTANT, tick=False):
        AgreementVersionFactory(published=True, created_by=office_user)
        accept_agreement(alpha, alice)
        expected = _acceptances(alpha)
        with scopes_disabled():
            AgreementAcceptance.objects.all().delete()
        AgreementAcceptanceFactory(organization=alpha, accepted_by=alice)
        built = _acceptances(alpha)

    assert built == expected
    assert built[0]["signatory_name"] == "Alice Owner"


def test_an_acceptance_closes_the_deadline_as_the_service_does(alpha, alice, office_user):
    from certification.services.deadlines import deadline_open

    version = AgreementVersionFactory(published=True)
    deadline = deadline_open(kind="agreement", organization=alpha, agreement=version)
    AgreementAcceptanceFactory(organization=alpha, accepted_by=alice)
    with scope(organization=alpha):
        assert Deadline.objects.get(pk=deadline.pk).closed_at is not None


@pytest.mark.through_services
def test_the_submitted_stage_accepts_the_agreement_as_the_services_do(
    request, alpha, alice, office_user
):
    with time_machine.travel(INSTANT, tick=False):
        request.getfixturevalue("submitted")
        expected = _acceptances(alpha)
        versions = _versions()
        with scopes_disabled():
            AgreementAcceptance.objects.all().delete()
            ApplicationFactory._meta.model.objects.filter(organization=alpha).delete()
        AgreementVersion.objects.all().delete()
        ApplicationFactory(organization=alpha, created_by=alice, submitted=True)
        built = _acceptances(alpha)

    assert built == expected
    assert _versions() == versions
    assert len(built) == 1


def test_without_the_agreement_the_stage_accepts_nothing(alpha, catalogue):
    ApplicationFactory(organization=alpha, accepted=True, agreement=False)
    assert _acceptances(alpha) == []
    assert AgreementVersion.objects.count() == 0
