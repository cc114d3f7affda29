"""Evidence downloads: who may read a file, and how it is served.

Members of the organization, the auditors while actively assigned and the CPO office get the
file; anyone else learns nothing (404 when signed in, the login page when not — whether or
not the evidence exists).
"""

import pytest
from django.urls import reverse

from certification.selectors.auditors import assignments_of
from certification.services.auditors import assignment_decline, assignment_end
from certification.services.self_assessment import evidence_add_file, evidence_add_link

from .helpers import PDF_BYTES, PNG_BYTES, add_pdf, docx_bytes, upload
from .helpers import evidence_url as url


@pytest.fixture
def evidence(assigned, alice):
    return add_pdf(assigned, alice)


# --- who may download ---------------------------------------------------------------------


def test_owner_downloads_the_file_as_an_attachment(client, alice, evidence):
    client.force_login(alice)
    response = client.get(url(evidence))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="handbook.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_member_downloads(client, bob, evidence):
    client.force_login(bob)
    assert client.get(url(evidence)).status_code == 200


def test_outsider_gets_404(client, charlie, beta, evidence):
    client.force_login(charlie)
    assert client.get(url(evidence)).status_code == 404


def test_assigned_auditor_downloads(client, auditor_user, evidence):
    client.force_login(auditor_user)
    assert client.get(url(evidence)).status_code == 200


def test_unassigned_auditor_gets_404(client, co_user, co, evidence):
    client.force_login(co_user)
    assert client.get(url(evidence)).status_code == 404


def test_auditor_whose_assignment_ended_gets_404(
    client, auditor_user, office_user, assigned, evidence
):
    (assignment,) = assignments_of(assigned, active_only=True)
    assignment_end(assignment=assignment, by=office_user, reason="Reorganised.")
    client.force_login(auditor_user)
    assert client.get(url(evidence)).status_code == 404


def test_auditor_who_declined_gets_404(client, auditor_user, assigned, evidence):
    (assignment,) = assignments_of(assigned, active_only=True)
    assignment_decline(assignment=assignment, by=auditor_user, reason="No capacity.")
    client.force_login(auditor_user)
    assert client.get(url(evidence)).status_code == 404


def test_office_downloads(client, office_user, evidence):
    client.force_login(office_user)
    assert client.get(url(evidence)).status_code == 200


def test_visitor_is_sent_to_login_and_gets_no_file(client, evidence):
    response = client.get(url(evidence))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not hasattr(response, "streaming_content")


def test_visitor_learns_nothing_about_existence(client, evidence):
    missing = reverse("certification:evidence_download", args=[evidence.pk + 1000])
    assert client.get(missing).status_code == client.get(url(evidence)).status_code == 302


def test_signed_in_user_gets_404_for_missing_evidence(client, alice, evidence):
    client.force_login(alice)
    missing = reverse("certification:evidence_download", args=[evidence.pk + 1000])
    assert client.get(missing).status_code == 404


def test_link_evidence_is_not_served_here(client, alice, assigned):
    criterion = assigned.scheme.assessment_criteria.first()
    link = evidence_add_link(
        application=assigned,
        url="https://example.org/handbook",
        criterion_id=criterion.pk,
        by=alice,
    )
    client.force_login(alice)
    assert client.get(url(link)).status_code == 404


def test_docx_keeps_its_content_type_and_name(client, alice, assigned):
    criterion = assigned.scheme.assessment_criteria.first()
    item = evidence_add_file(
        application=assigned,
        upload=upload("Process manual.docx", docx_bytes(), "application/octet-stream"),
        criterion_id=criterion.pk,
        by=alice,
    )
    client.force_login(alice)
    response = client.get(url(item))
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert "Process manual.docx" in response["Content-Disposition"]


def test_png_is_served_as_png_not_inline(client, alice, assigned):
    criterion = assigned.scheme.assessment_criteria.first()
    item = evidence_add_file(
        application=assigned,
        upload=upload("diagram.png", PNG_BYTES, "image/png"),
        criterion_id=criterion.pk,
        by=alice,
    )
    client.force_login(alice)
    response = client.get(url(item))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
