"""The document pipeline: request, render, re-render, failure, retries, the sweeper."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from cpo_portal.activity.models import ActivityEntry
from cpo_portal.documents import services
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.documents.services import (
    TransientRenderError,
    document_render,
    document_request,
    document_rerender,
    document_sweep_stuck,
)
from cpo_portal.errors import DomainError
from cpo_portal.pagecache import generation_bump

pytestmark = pytest.mark.django_db


def _verbs(organization):
    with scope(organization=organization):
        return list(
            ActivityEntry.objects.filter(verb__startswith="document.")
            .values_list("verb", flat=True)
            .order_by("id")
        )


def _sha256(name):
    with default_storage.open(name, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_request_queues_rendering_only_after_commit(
    alpha, alice, test_kinds, django_capture_on_commit_callbacks, reload_document
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        document = document_request(
            kind="test_members", owner=alpha, organization=alpha, title="Members", by=alice
        )
    assert document.status == DocumentStatus.PENDING
    # Besides the page cache's refresh (cpo_portal/pagecache.py), one callback: the render.
    render = [c for c in callbacks if c is not generation_bump]
    assert len(render) == 1
    assert reload_document(document).status == DocumentStatus.PENDING  # nothing ran yet

    render[0]()

    assert reload_document(document).status == DocumentStatus.READY


def test_render_stores_a_pdf_whose_sha256_matches(alpha, alice, test_kinds, request_document):
    document = request_document(alpha, by=alice)

    assert document.status == DocumentStatus.READY
    assert document.attempts == 1
    assert document.created_by == alice
    assert document.rendered_at is not None
    assert document.file.name.startswith(f"documents/org-{alpha.pk}/test_members/")
    with default_storage.open(document.file.name, "rb") as f:
        pdf = f.read()
    assert pdf.startswith(b"%PDF")
    assert document.size == len(pdf)
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()
    assert _verbs(alpha) == ["document.requested", "document.rendered"]


def test_unknown_kind_is_refused_in_the_request(alpha, alice):
    with pytest.raises(LookupError):
        document_request(kind="nope", owner=alpha, organization=alpha, title="x", by=alice)
    with scopes_disabled():
        assert not Document.objects.exists()


def test_second_render_is_a_no_op(alpha, test_kinds, request_document, reload_document):
    document = request_document(alpha)

    assert document_render(document_id=document.pk) is None

    again = reload_document(document)
    assert (again.file.name, again.sha256, again.attempts, again.status) == (
        document.file.name,
        document.sha256,
        1,
        DocumentStatus.READY,
    )
    assert _verbs(alpha).count("document.rendered") == 1


def test_render_of_a_missing_document_does_nothing(db):
    assert document_render(document_id=424242) is None


def test_rerender_replaces_the_file_and_deletes_the_old_one_after_commit(
    alpha,
    alice,
    bob,
    test_kinds,
    request_document,
    reload_document,
    django_capture_on_commit_callbacks,
):
    document = request_document(alpha)
    old_name, old_sha = document.file.name, document.sha256
    # the content changes: bob becomes an admin
    from cpo_portal.tenancy.models import Membership, Role
    from cpo_portal.tenancy.services import membership_change_role

    with scope(organization=alpha):
        membership = Membership.objects.get(user=bob)
    membership_change_role(membership=membership, role=Role.ADMIN, by=alice)

    with django_capture_on_commit_callbacks(execute=True):
        pending = document_rerender(document=document, by=alice)
        assert pending.status == DocumentStatus.PENDING
        # until the new file is committed, the old one is still served
        assert default_storage.exists(old_name)

    new = reload_document(document)
    assert new.status == DocumentStatus.READY
    assert new.file.name != old_name
    assert new.sha256 != old_sha
    assert new.sha256 == _sha256(new.file.name)
    assert not default_storage.exists(old_name)
    assert _verbs(alpha)[-2:] == ["document.rerender_requested", "document.rendered"]


def test_rerender_of_a_document_in_progress_is_refused(alpha, test_kinds, request_document):
    document = request_document(alpha, render=False)
    with pytest.raises(DomainError):
        document_rerender(document=document)


def test_failing_template_marks_the_document_failed(
    alpha, test_kinds, request_document, reload_document
):
    document = request_document(alpha, kind="test_broken")

    assert document.status == DocumentStatus.FAILED
    assert "the template data is broken" in document.last_error
    assert not document.file
    with scope(organization=alpha):
        entry = ActivityEntry.objects.get(verb="document.failed")
    assert entry.target_id == str(document.pk)
    assert entry.organization == alpha
    # a failed document is left alone by a late duplicate message
    assert document_render(document_id=document.pk) is None
    assert reload_document(document).attempts == 1


def test_transient_error_goes_back_to_pending_until_attempts_run_out(
    alpha, test_kinds, request_document, reload_document, monkeypatch, settings
):
    settings.DOCUMENT_MAX_ATTEMPTS = 3
    document = request_document(alpha, render=False)

    def flaky(html):
        raise OSError("disk full")

    monkeypatch.setattr(services, "html_to_pdf", flaky)

    for attempt in (1, 2):
        with pytest.raises(TransientRenderError):
            document_render(document_id=document.pk)
        current = reload_document(document)
        assert (current.status, current.attempts) == (DocumentStatus.PENDING, attempt)
        assert "disk full" in current.last_error
    assert "document.failed" not in _verbs(alpha)

    assert document_render(document_id=document.pk) is None

    final = reload_document(document)
    assert (final.status, final.attempts) == (DocumentStatus.FAILED, 3)
    assert _verbs(alpha)[-1] == "document.failed"


def test_transient_error_recovers_on_a_later_attempt(
    alpha, test_kinds, request_document, reload_document, monkeypatch
):
    document = request_document(alpha, render=False)
    real = services.html_to_pdf
    calls = []

    def flaky_once(html):
        calls.append(html)
        if len(calls) == 1:
            raise TimeoutError("storage timed out")
        return real(html)

    monkeypatch.setattr(services, "html_to_pdf", flaky_once)
    with pytest.raises(TransientRenderError):
        document_render(document_id=document.pk)
    document_render(document_id=document.pk)

    done = reload_document(document)
    assert (done.status, done.attempts, done.last_error) == (DocumentStatus.READY, 2, "")


def test_eager_task_retries_transient_errors_and_records_the_final_failure(
    alpha, test_kinds, request_document, monkeypatch, settings
):
    def broken(html):
        raise OSError("disk full")

    monkeypatch.setattr(services, "html_to_pdf", broken)

    document = request_document(alpha)

    assert document.status == DocumentStatus.FAILED
    assert document.attempts == settings.DOCUMENT_MAX_ATTEMPTS
    assert "disk full" in document.last_error


def _stall(document, status, *, attempts=1, age=None):
    age = age if age is not None else timedelta(seconds=6000)
    with scopes_disabled():
        Document.objects.filter(pk=document.pk).update(
            status=status, attempts=attempts, status_changed_at=timezone.now() - age
        )


@pytest.mark.parametrize("status", [DocumentStatus.RENDERING, DocumentStatus.PENDING])
def test_sweeper_requeues_a_stuck_document(
    alpha, test_kinds, request_document, reload_document, django_capture_on_commit_callbacks, status
):
    document = request_document(alpha, render=False)
    _stall(document, status)

    with django_capture_on_commit_callbacks(execute=True):
        assert document_sweep_stuck() == 1

    done = reload_document(document)
    assert done.status == DocumentStatus.READY
    assert done.attempts == 2


def test_sweeper_leaves_recent_documents_alone(
    alpha, test_kinds, request_document, reload_document, settings
):
    document = request_document(alpha, render=False)
    _stall(
        document,
        DocumentStatus.RENDERING,
        age=timedelta(seconds=settings.DOCUMENT_STUCK_AFTER_SECONDS - 60),
    )

    assert document_sweep_stuck() == 0
    assert reload_document(document).status == DocumentStatus.RENDERING


def test_sweeper_gives_up_when_attempts_are_exhausted(
    alpha,
    test_kinds,
    request_document,
    reload_document,
    settings,
    django_capture_on_commit_callbacks,
):
    document = request_document(alpha, render=False)
    _stall(document, DocumentStatus.RENDERING, attempts=settings.DOCUMENT_MAX_ATTEMPTS)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert document_sweep_stuck() == 0

    assert callbacks == []
    failed = reload_document(document)
    assert failed.status == DocumentStatus.FAILED
    assert failed.last_error


def test_sweeper_ignores_finished_documents(alpha, test_kinds, request_document, reload_document):
    document = request_document(alpha)
    _stall(document, DocumentStatus.READY)
    assert document_sweep_stuck() == 0
    assert reload_document(document).status == DocumentStatus.READY


def test_builtin_activity_log_pdf_renders(alpha, alice, request_document):
    document = request_document(alpha, kind="organization_activity", by=alice)
    assert document.status == DocumentStatus.READY, document.last_error
    assert document.sha256 == _sha256(document.file.name)
