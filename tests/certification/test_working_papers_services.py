"""Auditor working papers: the active audit team writes them (files checked by content),
edits are guarded by the version, the author deletes while scoring, the log keeps no content."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from certification.models import WorkingPaper
from certification.selectors.working_papers import (
    working_paper_counts,
    working_paper_of_application,
    working_papers_of,
)
from certification.services.auditors import auditor_assign
from certification.services.working_papers import (
    WorkingPaperConflict,
    working_paper_add,
    working_paper_delete,
    working_paper_update,
)
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.errors import DomainError

from .helpers import criteria_of, set_status

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="export-test.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def add(application, user, **kwargs):
    values = {
        "kind": "test",
        "title": "Export test",
        "body": "Exported 3 sessions as CSV; all fields present.",
        "criterion_id": criteria_of(application)[0].pk,
    }
    values.update(kwargs)
    return working_paper_add(application=application, by=user, **values)


def test_an_assigned_auditor_adds_a_paper_with_a_checked_file(in_audit, auditor_user):
    paper = add(in_audit, auditor_user, upload=pdf())
    assert paper.version == 1 and paper.content_type == "application/pdf"
    assert paper.file.name.startswith(f"working-papers/org-{in_audit.organization_id}/")
    assert paper.original_name == "export-test.pdf" and len(paper.sha256) == 64
    with scopes_disabled():
        entry = ActivityEntry.objects.get(verb="certification.working_paper_added")
    # The log names the paper and the file, never the notes or the content.
    assert "Exported 3 sessions" not in str(entry.data)
    assert entry.data["file"] == "export-test.pdf"


def test_a_general_paper_has_no_criterion(in_audit, auditor_user):
    paper = add(in_audit, auditor_user, criterion_id=None, kind="interview")
    assert paper.criterion is None
    assert working_paper_counts(in_audit) == {None: 1}


def test_a_disguised_file_is_refused(in_audit, auditor_user):
    fake = SimpleUploadedFile("notes.pdf", b"#!/bin/sh\nrm -rf /\n", content_type="application/pdf")
    with pytest.raises(DomainError):
        add(in_audit, auditor_user, upload=fake)
    with scopes_disabled():
        assert not WorkingPaper.objects.exists()


def test_only_the_active_audit_team_writes(in_audit, alice, co_user, office_user):
    for user in (alice, co_user, office_user):
        with pytest.raises(DomainError):
            add(in_audit, user)


def test_a_title_and_a_known_kind_are_required(in_audit, auditor_user):
    with pytest.raises(DomainError):
        add(in_audit, auditor_user, title="  ")
    with pytest.raises(DomainError):
        add(in_audit, auditor_user, kind="gossip")
    with pytest.raises(DomainError):
        add(in_audit, auditor_user, criterion_id=987654)


def test_a_stale_edit_is_refused_with_the_newer_paper(
    in_audit, auditor_user, co, co_user, office_user
):
    auditor_assign(application=in_audit, auditor=co, role="co", by=office_user)
    paper = add(in_audit, auditor_user)
    working_paper_update(
        paper=paper, kind="test", title="Export test", body="Mine.", expected_version=1, by=co_user
    )
    with pytest.raises(WorkingPaperConflict) as refused:
        working_paper_update(
            paper=paper,
            kind="test",
            title="Export test",
            body="Theirs.",
            expected_version=1,
            by=auditor_user,
        )
    assert refused.value.current.body == "Mine." and refused.value.current.version == 2


def test_a_new_file_replaces_the_old_and_the_version_moves(
    in_audit, auditor_user, django_capture_on_commit_callbacks
):
    paper = add(in_audit, auditor_user, upload=pdf("first.pdf"))
    old = paper.file.name
    with django_capture_on_commit_callbacks(execute=True):
        paper = working_paper_update(
            paper=paper,
            kind="test",
            title="Export test",
            body=paper.body,
            upload=pdf("second.pdf"),
            expected_version=1,
            by=auditor_user,
        )
    assert paper.version == 2 and paper.original_name == "second.pdf"
    assert not paper.file.storage.exists(old)


def test_the_author_deletes_while_scoring_others_do_not(
    in_audit, auditor_user, co, co_user, office_user
):
    auditor_assign(application=in_audit, auditor=co, role="co", by=office_user)
    paper = add(in_audit, auditor_user)
    with pytest.raises(DomainError):
        working_paper_delete(paper=paper, by=co_user)
    working_paper_delete(paper=paper, by=auditor_user)
    assert working_paper_of_application(in_audit, paper.pk) is None


def test_no_delete_and_no_edit_after_the_report(in_audit, auditor_user):
    paper = add(in_audit, auditor_user)
    set_status(in_audit, "report_submitted")
    with pytest.raises(DomainError):
        working_paper_delete(paper=paper, by=auditor_user)
    with pytest.raises(DomainError):
        working_paper_update(
            paper=paper, kind="note", title="x", body="", expected_version=1, by=auditor_user
        )


def test_the_list_is_bounded_in_queries(in_audit, auditor_user, django_assert_max_num_queries):
    for number in range(6):
        add(in_audit, auditor_user, title=f"Paper {number}")
    assert in_audit.organization  # loaded once, like the views' lookups do
    with django_assert_max_num_queries(1):
        papers = list(working_papers_of(in_audit))
        _ = [(p.criterion, p.created_by, p.updated_by) for p in papers]
    assert len(papers) == 6
