"""Working-paper pages: the audit team writes and downloads, the office reads, the company and
every outsider get 404 on every URL; stale edits show both values; deletion is confirmed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scopes_disabled

from certification.models import WorkingPaper
from certification.services.auditors import auditor_assign
from certification.services.working_papers import working_paper_add, working_paper_update

from .helpers import criteria_of, set_status

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def url(name, *args):
    return reverse(f"certification:{name}", args=args)


@pytest.fixture
def paper(in_audit, auditor_user):
    return working_paper_add(
        application=in_audit,
        criterion_id=criteria_of(in_audit)[0].pk,
        kind="test",
        title="Export test",
        body="Exported three sessions.",
        upload=SimpleUploadedFile("export.pdf", PDF, content_type="application/pdf"),
        by=auditor_user,
    )


def every_url(application, paper):
    a, w = application.pk, paper.pk
    return [
        url("audit_working_papers", a),
        url("audit_working_paper_new", a),
        url("audit_working_paper", a, w),
        url("audit_working_paper_delete", a, w),
        url("audit_working_paper_file", a, w),
        url("office_working_papers", a),
        url("office_working_paper", a, w),
        url("office_working_paper_file", a, w),
    ]


def test_the_company_gets_404_on_every_working_paper_url(client, in_audit, paper, alice, bob):
    for user in (alice, bob):
        client.force_login(user)
        for address in every_url(in_audit, paper):
            assert client.get(address).status_code == 404, address
            assert client.post(address, {"title": "x", "kind": "note"}).status_code in (404, 405)


def test_an_outsider_and_an_auditor_of_another_case_get_404(
    client, in_audit, paper, charlie, co_user
):
    for user in (charlie, co_user):
        client.force_login(user)
        for address in every_url(in_audit, paper):
            assert client.get(address).status_code == 404, address


def test_the_company_pages_never_mention_working_papers(client, in_audit, paper, alice):
    client.force_login(alice)
    slug = in_audit.organization.slug
    page = client.get(reverse("certification:application", args=[slug, in_audit.pk]))
    assert "Export test" not in page.content.decode()


def test_the_auditor_adds_a_paper_with_a_file_and_downloads_it(client, in_audit, auditor_user):
    client.force_login(auditor_user)
    criterion = criteria_of(in_audit)[0]
    response = client.post(
        url("audit_working_paper_new", in_audit.pk),
        {
            "criterion": criterion.pk,
            "kind": "interview",
            "title": "Interview with the CTO",
            "body": "Notes.",
            "file": SimpleUploadedFile("notes.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        paper = WorkingPaper.objects.get(application=in_audit)
    download = client.get(url("audit_working_paper_file", in_audit.pk, paper.pk))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert 'filename="notes.pdf"' in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF
    # Listed on the audit's page and counted on the sheet's row.
    assert (
        "Interview with the CTO"
        in client.get(url("audit_working_papers", in_audit.pk)).content.decode()
    )
    assert "1 working paper" in client.get(url("audit", in_audit.pk)).content.decode()


def test_a_disguised_file_is_refused_on_the_form(client, in_audit, auditor_user):
    client.force_login(auditor_user)
    response = client.post(
        url("audit_working_paper_new", in_audit.pk),
        {
            "kind": "note",
            "title": "Script",
            "file": SimpleUploadedFile("run.pdf", b"#!/bin/sh\n", content_type="application/pdf"),
        },
    )
    assert response.status_code == 422


def test_a_stale_edit_shows_both_values(
    client, in_audit, paper, auditor_user, co, co_user, office_user
):
    auditor_assign(application=in_audit, auditor=co, role="co", by=office_user)
    working_paper_update(
        paper=paper,
        kind="test",
        title="Export test",
        body="Co's notes.",
        expected_version=1,
        by=co_user,
    )
    client.force_login(auditor_user)
    response = client.post(
        url("audit_working_paper", in_audit.pk, paper.pk),
        {"kind": "test", "title": "Export test", "body": "Lead's notes.", "version": 1},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Co&#x27;s notes." in page or "Co's notes." in page
    assert "Lead&#x27;s notes." in page or "Lead's notes." in page
    paper.refresh_from_db()
    assert paper.body == "Co's notes."


def test_the_author_deletes_after_a_confirmation(client, in_audit, paper, auditor_user):
    client.force_login(auditor_user)
    delete = url("audit_working_paper_delete", in_audit.pk, paper.pk)
    assert client.get(delete).status_code == 200
    with scopes_disabled():
        assert WorkingPaper.objects.filter(pk=paper.pk).exists()
    assert client.post(delete).status_code == 302
    with scopes_disabled():
        assert not WorkingPaper.objects.filter(pk=paper.pk).exists()


def test_the_office_reads_and_downloads(client, in_audit, paper, office_user):
    client.force_login(office_user)
    assert "Export test" in client.get(url("office_working_papers", in_audit.pk)).content.decode()
    assert client.get(url("office_working_paper", in_audit.pk, paper.pk)).status_code == 200
    download = client.get(url("office_working_paper_file", in_audit.pk, paper.pk))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")


def test_after_the_report_the_auditor_reads_but_cannot_edit(client, in_audit, paper, auditor_user):
    set_status(in_audit, "report_submitted")
    client.force_login(auditor_user)
    page = client.get(url("audit_working_paper", in_audit.pk, paper.pk))
    assert page.status_code == 200 and "Save the working paper" not in page.content.decode()
    response = client.post(
        url("audit_working_paper", in_audit.pk, paper.pk),
        {"kind": "note", "title": "Changed", "version": 1},
    )
    assert response.status_code == 404
