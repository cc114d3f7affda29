"""The whole organizational path through the services, start to decision."""

import pytest

from certification.models import ApplicationStatus
from certification.services.applications import application_decide

# The stages before the decision too (not the factories' rows): the path is the subject.
pytestmark = pytest.mark.through_services


def test_whole_path_to_grant(reported, office2):
    decided = application_decide(
        application=reported, decision="grant", rationale="Report is conclusive.", by=office2
    )
    assert decided.status == ApplicationStatus.DECIDED
    assert decided.decision == "grant"


def test_grant_issues_a_numbered_certificate_with_a_pending_pdf(reported, office2):
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from certification.models import Certificate
    from cpo_portal.documents.models import Document

    application_decide(application=reported, decision="grant", rationale="Conclusive.", by=office2)
    with scopes_disabled():
        certificate = Certificate.objects.get(application=reported)
        document = Document.objects.get(kind="certificate", owner_id=str(certificate.pk))
    assert certificate.number == f"CPO-O-{timezone.now().year}-0001"
    assert certificate.status == "active"
    assert document.status == "pending"
