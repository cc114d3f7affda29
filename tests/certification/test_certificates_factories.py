"""CertificateFactory writes what a grant writes (application_decide, certificate_issue),
and with `suspended` what certificate_suspend adds: each trait against the services.

At one frozen instant the `certificate` fixture grants Alpha's reported application
through the services, its rows are read and deleted (the number's sequence too), and the
factory builds them again; every column of the decided application, its events, its ended
assignment, the certificate, its events and the PDF's document row must match (ids aside).
"""

import pytest
import time_machine
from django_scopes import scopes_disabled

from certification.services.certificates import certificate_suspend

from .factories import ApplicationFactory, CertificateFactory
from .test_applications_factories import INSTANT, forget, state

pytestmark = pytest.mark.django_db

REASON = "Suspended for the test."


def _valid(certificate, office2):
    return certificate


def _suspended(certificate, office2):
    return certificate_suspend(certificate=certificate, reason=REASON, by=office2)


@pytest.mark.through_services
@pytest.mark.parametrize(("trait", "then"), [("valid", _valid), ("suspended", _suspended)])
def test_each_trait_is_what_the_services_leave(
    request, alpha, office_user, lead, office2, trait, then
):
    with time_machine.travel(INSTANT, tick=False):
        then(request.getfixturevalue("certificate"), office2)
        expected = state(alpha)
        forget(alpha)
        application = ApplicationFactory(
            organization=alpha, reported=True, office=office_user, lead=lead
        )
        CertificateFactory(application=application, issued_by=office2, **{trait: True})
        built = state(alpha)

    assert built == expected
    certificate = built["certificates"][0]
    assert (certificate["number"], certificate["status"]) == (
        "CPO-O-2026-0001",
        {"valid": "active", "suspended": "suspended"}[trait],
    )
    assert built["application"]["status"] == "decided"
    assert [a["status"] for a in built["assignments"]] == ["ended"]
    assert len(built["certificate_events"]) == {"valid": 1, "suspended": 2}[trait]
    assert [d["kind"] for d in built["documents"]] == ["audit_report", "certificate"]


@pytest.mark.through_services
def test_a_product_certificate_is_what_the_services_leave(
    request, alpha, alice, office_user, lead, office2
):
    """The `product` fixture's two ways: product_certificate through the services, and the
    factories as the fixture calls them."""
    with time_machine.travel(INSTANT, tick=False):
        request.getfixturevalue("product")
        expected = state(alpha, kind="product")
        forget(alpha, kind="product")
        application = ApplicationFactory(
            organization=alpha,
            kind="product",
            created_by=alice,
            office=office_user,
            lead=lead,
            reported=True,
            summary="As scored.",
        )
        CertificateFactory(
            application=application, issued_by=office2, rationale="As the report shows."
        )
        built = state(alpha, kind="product")

    assert built == expected
    certificate = built["certificates"][0]
    assert (certificate["number"], certificate["product_name"]) == ("CPO-P-2026-0001", "Alpha PLM")
    assert certificate["holder_group"] == "it_vendor"


def test_a_certificate_of_its_own_builds_the_case_it_grants(catalogue, alpha, office2):
    certificate = CertificateFactory(application__organization=alpha, issued_by=office2)
    with scopes_disabled():
        assert certificate.application.status == "decided"
        assert certificate.application.decided_by == office2
        assert certificate.holder_name == "Alpha"
        assert certificate.holder_group == ""  # no signee: as certificate_issue leaves it


def test_numbers_follow_each_other_as_the_sequence_draws_them(catalogue, alpha, beta, office2):
    with time_machine.travel(INSTANT, tick=False):
        first = CertificateFactory(application__organization=alpha, issued_by=office2)
        second = CertificateFactory(application__organization=beta, issued_by=office2)
    assert (first.number, second.number) == ("CPO-O-2026-0001", "CPO-O-2026-0002")


def test_only_a_reported_application_is_granted(catalogue, alpha, office2):
    with pytest.raises(ValueError, match="reported initial application"):
        CertificateFactory(application=ApplicationFactory(organization=alpha), issued_by=office2)
