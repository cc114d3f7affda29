"""The demo certification: the IT vendor holds an organizational and a product certificate,
the service provider's organizational certificate is suspended (all through the real grant
decision, four eyes), one product audit waits for the auditor's scores and one product
application for the office's review; the public seal shows the mix."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.demo import SUSPENSION_REASON
from certification.models import (
    Application,
    ApplicationStatus,
    Certificate,
    CertificateStatus,
    Score,
)
from certification.selectors.audits import audits_for_auditor
from certification.selectors.seal import CERTIFICATE_DOCUMENT_KIND
from cpo_portal.accounts.models import User
from cpo_portal.documents.models import Document
from tests.tenancy.test_seed_demo import seeded_demo

pytestmark = pytest.mark.django_db
S = ApplicationStatus
YEAR = timezone.now().year


def _certificates():
    with scopes_disabled():
        return {
            (c.organization.display_name, c.kind, c.product_name): c
            for c in Certificate.objects.select_related("application__decided_by", "organization")
        }


def test_demo_has_an_audit_for_scoring_and_an_application_to_review(seeded_demo):
    with scopes_disabled():
        statuses = sorted(Application.objects.values_list("status", flat=True))
        audit = Application.objects.get(status=S.AUDIT)
        pending = Application.objects.get(status=S.SUBMITTED)
        blank = Score.objects.filter(application=audit, rating="").count()
    assert statuses == sorted([S.AUDIT, S.DECIDED, S.DECIDED, S.DECIDED, S.SUBMITTED])
    assert (audit.product_name, pending.product_name) == ("Plexa Connect", "Plexa Viewer")
    assert blank == audit.scheme.assessment_criteria.count() > 0
    auditor = User.objects.get(email="auditor@cpo-portal.example")
    assert [a.application_id for a in audits_for_auditor(auditor)] == [audit.pk]


def test_demo_certificates_are_valid_and_suspended(seeded_demo):
    certificates = _certificates()
    assert set(certificates) == {
        ("Plexa Software", "organizational", ""),
        ("Plexa Software", "product", "Plexa PLM"),
        ("Integra Consulting", "organizational", ""),
    }
    vendor = certificates["Plexa Software", "organizational", ""]
    product = certificates["Plexa Software", "product", "Plexa PLM"]
    provider = certificates["Integra Consulting", "organizational", ""]
    assert (vendor.number, provider.number) == (f"CPO-O-{YEAR}-0001", f"CPO-O-{YEAR}-0002")
    assert product.number == f"CPO-P-{YEAR}-0001" and product.product_version == "2026.1"
    assert vendor.status == product.status == CertificateStatus.ACTIVE
    assert provider.status == CertificateStatus.SUSPENDED
    assert provider.status_reason == SUSPENSION_REASON


def test_demo_grants_follow_the_four_eyes_rule(seeded_demo):
    office = User.objects.get(email="office@cpo-portal.example")
    auditor = User.objects.get(email="auditor@cpo-portal.example")
    for certificate in _certificates().values():
        application = certificate.application
        assert application.decided_by == office != auditor
        assert application.report_submitted_by == auditor
        assert certificate.issued_by == office


def test_every_demo_certificate_has_its_pdf_document(seeded_demo):
    # Rendered by the task queued on commit (in-process in the embedded default).
    certificates = _certificates().values()
    with scopes_disabled():
        owners = set(
            Document.objects.filter(
                kind=CERTIFICATE_DOCUMENT_KIND,
                owner_type=ContentType.objects.get_for_model(Certificate),
            ).values_list("owner_id", flat=True)
        )
    assert owners == {str(c.pk) for c in certificates}


def test_the_public_seal_shows_the_demo_certificates(seeded_demo, client):
    registry = client.get("/seal/").content.decode()
    for number in (f"CPO-O-{YEAR}-0001", f"CPO-O-{YEAR}-0002", f"CPO-P-{YEAR}-0001"):
        assert number in registry
    suspended = client.get(f"/verify/CPO-O-{YEAR}-0002/")
    assert suspended.status_code == 200
    assert SUSPENSION_REASON in suspended.content.decode()
    assert client.get(f"/verify/CPO-P-{YEAR}-0001.json").json()["status"] == "active"


def test_demo_certification_is_idempotent(seeded_demo):
    labels = [
        "certification.Application",
        "certification.Certificate",
        "certification.CertificateEvent",
        "certification.Score",
        "certification.Complaint",
        "certification.Appeal",
        "documents.Document",
    ]
    assert [seeded_demo.after[label] for label in labels] == [
        seeded_demo.before[label] for label in labels
    ]
    assert seeded_demo.before["certification.Certificate"] == 3


def test_demo_has_a_complaint_and_an_appeal_waiting_for_the_office(seeded_demo):
    from certification.models import Appeal, AppealStatus, Complaint, ComplaintStatus

    with scopes_disabled():
        complaint = Complaint.objects.get()
        appeal = Appeal.objects.select_related("certificate", "organization").get()
    assert complaint.status == ComplaintStatus.RECEIVED
    assert complaint.subject == "seal_misuse"
    assert complaint.certificate.number == f"CPO-P-{YEAR}-0001"
    assert complaint.reference == f"CPL-{YEAR}-0001"
    assert appeal.status == AppealStatus.FILED and appeal.subject == "suspension"
    assert appeal.certificate.number == f"CPO-O-{YEAR}-0002"
    assert appeal.organization.display_name == "Integra Consulting"


__all__ = ["seeded_demo"]
