"""The organization's certification workspace: applications, self-assessment, evidence and
answers to findings, for owner (alice), member (bob), outsider (charlie) and visitor."""

from datetime import date, timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import (
    Application,
    ApplicationStatus,
    Evidence,
    FindingStatus,
    SelfAssessmentAnswer,
)
from certification.services.applications import (
    application_decide,
    application_return,
    organizational_grant_record,
)
from certification.services.findings import finding_raise
from certification.services.self_assessment import evidence_add_file, self_assessment_answer
from criteria.models import Obligation, SchemeKind

from .helpers import (
    PDF_BYTES,
    PNG_BYTES,
    WINDOW,
    answer_all,
    answer_fields,
    criteria_of,
    docx_bytes,
    new_application,
    upload,
)

S = ApplicationStatus


def u(name, org, application=None, **kwargs):
    if application is not None:
        kwargs["pk"] = application.pk
    return reverse(f"certification:{name}", kwargs={"org_slug": org.slug, **kwargs})


def count(model, **filters):
    with scopes_disabled():
        return model.objects.filter(**filters).count()


def application_data(**extra):
    return {
        "scope_description": "Whole company, PLM business unit",
        "window_start": "2027-03-01",
        "window_end": "2027-03-31",
        **extra,
    }


@pytest.fixture
def org_grant(alpha_signee, alpha, office_user):
    return organizational_grant_record(
        organization=alpha,
        reference="OC-2026-001",
        valid_until=timezone.localdate() + timedelta(days=365),
        by=office_user,
    )


def storage_files(prefix="evidence"):
    try:
        dirs, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return []
    found = list(files)
    for sub in dirs:
        found += storage_files(f"{prefix}/{sub}")
    return found


# --- the list -----------------------------------------------------------------------------


def test_list_owner_can_apply_for_organizational_and_is_told_why_not_product(
    client, alice, alpha, alpha_signee
):
    client.force_login(alice)
    response = client.get(u("applications", alpha))
    assert response.status_code == 200
    html = response.content.decode()
    assert u("application_new", alpha, kind="organizational") in html
    assert u("application_new", alpha, kind="product") not in html
    assert 'id="organizational-required"' in html


def test_list_offers_product_with_a_valid_organizational_certificate(
    client, alice, alpha, org_grant
):
    client.force_login(alice)
    html = client.get(u("applications", alpha)).content.decode()
    assert u("application_new", alpha, kind="product") in html
    assert 'id="organizational-required"' not in html


def test_list_of_a_non_signee_explains_and_links_to_signing(client, alice, alpha, catalogue):
    client.force_login(alice)
    html = client.get(u("applications", alpha)).content.decode()
    assert "Only approved signees" in html
    assert reverse("signees:status", args=[alpha.slug]) in html
    assert u("application_new", alpha, kind="organizational") not in html


def test_list_member_reads_without_apply_buttons(client, bob, alpha, draft):
    client.force_login(bob)
    response = client.get(u("applications", alpha))
    assert response.status_code == 200
    html = response.content.decode()
    assert u("application", alpha, draft) in html
    assert u("application_new", alpha, kind="organizational") not in html


def test_list_outsider_gets_404(client, charlie, beta, alpha, draft):
    client.force_login(charlie)
    assert client.get(u("applications", alpha)).status_code == 404


def test_list_visitor_is_sent_to_login(client, alpha):
    response = client.get(u("applications", alpha))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_list_queries_do_not_grow_with_applications(
    client, alice, alpha, alpha_signee, django_assert_max_num_queries
):
    client.force_login(alice)
    new_application(alpha, alice)
    with django_assert_max_num_queries(15) as few:
        client.get(u("applications", alpha))
    for _ in range(30):
        new_application(alpha, alice)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(u("applications", alpha))
    assert response.context["page"].paginator.count == 31


# --- applying -------------------------------------------------------------------------------


def test_new_form_has_date_inputs(client, alice, alpha, alpha_signee):
    client.force_login(alice)
    response = client.get(u("application_new", alpha, kind="organizational"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('type="date"') == 2
    assert 'name="product_name"' not in html


def test_new_product_form_asks_for_the_product(client, alice, alpha, org_grant):
    client.force_login(alice)
    html = client.get(u("application_new", alpha, kind="product")).content.decode()
    assert 'name="product_name"' in html and 'name="product_version"' in html


def test_new_unknown_kind_is_404(client, alice, alpha, alpha_signee):
    client.force_login(alice)
    assert client.get(u("application_new", alpha, kind="bogus")).status_code == 404


def test_new_member_403_outsider_404_visitor_login(client, bob, charlie, beta, alpha, alpha_signee):
    target = u("application_new", alpha, kind="organizational")
    assert client.get(target).status_code == 302
    client.force_login(bob)
    assert client.get(target).status_code == 403
    assert client.post(target, application_data()).status_code == 403
    client.force_login(charlie)
    assert client.get(target).status_code == 404
    assert count(Application) == 0


def test_owner_creates_a_draft(client, alice, alpha, alpha_signee):
    client.force_login(alice)
    response = client.post(u("application_new", alpha, kind="organizational"), application_data())
    with scopes_disabled():
        application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == u("application", alpha, application)
    assert application.status == S.DRAFT
    assert application.kind == SchemeKind.ORGANIZATIONAL
    assert application.window_end == date(2027, 3, 31)
    assert application.created_by == alice


def test_owner_creates_a_product_draft(client, alice, alpha, org_grant):
    client.force_login(alice)
    client.post(
        u("application_new", alpha, kind="product"),
        application_data(product_name="Alpha PLM", product_version="7.1"),
    )
    with scopes_disabled():
        application = Application.objects.get()
    assert (application.kind, application.product_name, application.product_version) == (
        SchemeKind.PRODUCT,
        "Alpha PLM",
        "7.1",
    )


def test_end_before_start_is_refused(client, alice, alpha, alpha_signee):
    client.force_login(alice)
    response = client.post(
        u("application_new", alpha, kind="organizational"),
        application_data(window_start="2027-04-01", window_end="2027-03-01"),
    )
    assert response.status_code == 200
    assert "The audit window ends before it starts." in response.content.decode()
    assert count(Application) == 0


def test_non_approved_signee_is_refused(client, alice, alpha, catalogue):
    client.force_login(alice)
    target = u("application_new", alpha, kind="organizational")
    html = client.get(target).content.decode()
    assert "Only approved signees" in html and 'name="scope_description"' not in html
    response = client.post(target, application_data())
    assert response.status_code == 200
    assert "Only approved signees of the CPO can apply" in response.content.decode()
    assert count(Application) == 0


def test_product_without_organizational_certificate_is_refused_with_a_link(
    client, alice, alpha, alpha_signee
):
    client.force_login(alice)
    target = u("application_new", alpha, kind="product")
    html = client.get(target).content.decode()
    assert 'id="organizational-required"' in html
    assert u("application_new", alpha, kind="organizational") in html
    response = client.post(target, application_data(product_name="X", product_version="1"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "needs a valid organizational certificate" in html
    assert u("application_new", alpha, kind="organizational") in html
    assert count(Application) == 0


# --- the application page -------------------------------------------------------------------


def test_detail_owner_sees_actions(client, alice, alpha, draft):
    client.force_login(alice)
    response = client.get(u("application", alpha, draft))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("application_submit", "application_edit", "application_withdraw"):
        assert u(name, alpha, draft) in html
    assert "Whole company, PLM business unit" in html


def test_detail_member_reads_without_actions(client, bob, alpha, draft):
    client.force_login(bob)
    response = client.get(u("application", alpha, draft))
    assert response.status_code == 200
    html = response.content.decode()
    assert u("application_submit", alpha, draft) not in html
    assert u("application_withdraw", alpha, draft) not in html


def test_detail_outsider_gets_404_also_through_their_own_workspace(
    client, charlie, beta, alpha, draft
):
    client.force_login(charlie)
    assert client.get(u("application", alpha, draft)).status_code == 404
    assert client.get(u("application", beta, draft)).status_code == 404


def test_detail_visitor_login(client, alpha, draft):
    assert client.get(u("application", alpha, draft)).status_code == 302


def test_detail_shows_the_return_reason_and_history(client, alice, alpha, submitted, office_user):
    application_return(
        application=submitted, by=office_user, reason="Describe the scope in more detail."
    )
    client.force_login(alice)
    html = client.get(u("application", alpha, submitted)).content.decode()
    assert "Describe the scope in more detail." in html
    assert "Returned for completion" in html
    assert "Submitted to the CPO office" in html
    assert u("application_edit", alpha, submitted) in html


def test_detail_names_assigned_auditors_without_contact_details(client, bob, alpha, assigned):
    client.force_login(bob)
    html = client.get(u("application", alpha, assigned)).content.decode()
    assert "Arne Auditor" in html
    assert "auditor@example.org" not in html
    assert u("self_assessment", alpha, assigned) in html


def test_detail_after_report_shows_breakdown_report_and_decision(
    client, alice, alpha, reported, office2
):
    client.force_login(alice)
    response = client.get(u("application", alpha, reported))
    html = response.content.decode()
    assert "The pass rule is met." in html
    sheet = response.context["sheet"]
    assert len(sheet.blocks) == 8  # the eight organizational subject areas
    assert html.count('<th scope="row">') == 9  # one row per area plus the overall line
    report = response.context["report"]
    assert report is not None and report.kind == "audit_report"
    assert (
        reverse("documents:detail", args=[alpha.slug, report.pk]) in html
        or reverse("documents:download", args=[alpha.slug, report.pk]) in html
    )
    application_decide(
        application=reported, decision="grant", rationale="Conclusive report.", by=office2
    )
    html = client.get(u("application", alpha, reported)).content.decode()
    assert "The certificate is granted." in html and "Conclusive report." in html


def test_detail_hides_scores_before_the_report(client, alice, alpha, in_audit):
    client.force_login(alice)
    response = client.get(u("application", alpha, in_audit))
    assert response.context["sheet"] is None
    assert "The pass rule" not in response.content.decode()


# --- edit, submit, withdraw ---------------------------------------------------------------


def test_owner_edits_a_draft(client, alice, alpha, draft):
    client.force_login(alice)
    assert client.get(u("application_edit", alpha, draft)).status_code == 200
    response = client.post(
        u("application_edit", alpha, draft), application_data(scope_description="Only PLM")
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.scope_description == "Only PLM"


def test_edit_refuses_end_before_start_and_writes_nothing(client, alice, alpha, draft):
    client.force_login(alice)
    response = client.post(
        u("application_edit", alpha, draft),
        application_data(window_start="2027-05-01", window_end="2027-04-01"),
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.window_start == WINDOW["window_start"]


def test_edit_member_403_and_submitted_is_locked(client, alice, bob, alpha, submitted):
    client.force_login(bob)
    assert client.get(u("application_edit", alpha, submitted)).status_code == 403
    client.force_login(alice)
    response = client.get(u("application_edit", alpha, submitted))
    assert response.status_code == 302


def test_submit_flow(client, alice, alpha, draft):
    client.force_login(alice)
    assert client.get(u("application_submit", alpha, draft)).status_code == 405
    response = client.post(u("application_submit", alpha, draft))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED and draft.submitted_at is not None


def test_submit_twice_is_refused_with_a_message(client, alice, alpha, submitted):
    client.force_login(alice)
    response = client.post(u("application_submit", alpha, submitted), follow=True)
    assert "cannot be changed this way" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_member_cannot_submit(client, bob, alpha, draft):
    client.force_login(bob)
    assert client.post(u("application_submit", alpha, draft)).status_code == 403
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_withdraw_flow_with_reason(client, alice, alpha, assigned):
    client.force_login(alice)
    target = u("application_withdraw", alpha, assigned)
    response = client.get(target)
    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    response = client.post(target, {"reason": "Postponed to next year."})
    assert response.status_code == 302
    assigned.refresh_from_db()
    assert assigned.status == S.WITHDRAWN
    assert assigned.status_reason == "Postponed to next year."
    # Nothing left to withdraw.
    assert client.get(target).status_code == 302


def test_withdraw_member_403(client, bob, alpha, draft):
    client.force_login(bob)
    assert client.get(u("application_withdraw", alpha, draft)).status_code == 403
    assert client.post(u("application_withdraw", alpha, draft)).status_code == 403
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


# --- the self-assessment ------------------------------------------------------------------


def test_self_assessment_offers_not_applicable_only_where_allowed(client, alice, alpha, assigned):
    client.force_login(alice)
    response = client.get(u("self_assessment", alpha, assigned))
    assert response.status_code == 200
    html = response.content.decode()
    criteria = criteria_of(assigned)
    allowed = [c for c in criteria if c.na_allowed]
    assert 0 < len(allowed) < len(criteria)
    assert html.count('value="not_applicable"') == len(allowed)
    assert html.count('hx-post="') == len(criteria)
    assert 'accept="application/pdf' in html
    assert u("self_assessment_submit", alpha, assigned) in html


def test_self_assessment_member_reads_only(client, bob, alpha, assigned):
    client.force_login(bob)
    response = client.get(u("self_assessment", alpha, assigned))
    assert response.status_code == 200
    html = response.content.decode()
    assert "hx-post=" not in html
    assert u("self_assessment_submit", alpha, assigned) not in html


def test_self_assessment_outsider_404_visitor_login(client, charlie, beta, alpha, assigned):
    target = u("self_assessment", alpha, assigned)
    assert client.get(target).status_code == 302
    client.force_login(charlie)
    assert client.get(target).status_code == 404


def test_self_assessment_before_assignment_is_read_only(client, alice, alpha, submitted):
    client.force_login(alice)
    response = client.get(u("self_assessment", alpha, submitted))
    assert response.status_code == 200
    assert "opens once" in response.content.decode()
    assert "hx-post=" not in response.content.decode()


def answer_url(alpha, application, criterion):
    return u("self_assessment_answer", alpha, application, criterion_id=criterion.pk)


def answer_data(criterion, status="implemented", explanation="See the handbook."):
    return {f"c{criterion.pk}-status": status, f"c{criterion.pk}-explanation": explanation}


def test_answer_without_js_saves_and_redirects(client, alice, alpha, assigned):
    criterion = criteria_of(assigned)[0]
    client.force_login(alice)
    response = client.post(answer_url(alpha, assigned, criterion), answer_data(criterion))
    assert response.status_code == 302
    assert response["Location"].endswith(f"#c-{criterion.pk}")
    assigned.refresh_from_db()
    assert assigned.status == S.SELF_ASSESSMENT
    assert count(SelfAssessmentAnswer, application=assigned, status="implemented") == 1


def test_answer_with_htmx_swaps_feedback_and_progress_only(client, alice, alpha, assigned):
    criterion = criteria_of(assigned)[0]
    client.force_login(alice)
    response = client.post(
        answer_url(alpha, assigned, criterion), answer_data(criterion), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="fb-{criterion.pk}-body"' in html
    assert 'id="sa-progress" hx-swap-oob="true"' in html
    assert f"1 of {len(criteria_of(assigned))} criteria answered" in html
    assert "Saved at" in html
    assert "<html" not in html


def test_not_applicable_where_not_allowed_is_refused(client, alice, alpha, assigned):
    criterion = next(c for c in criteria_of(assigned) if not c.na_allowed)
    client.force_login(alice)
    response = client.post(
        answer_url(alpha, assigned, criterion),
        answer_data(criterion, "not_applicable", "We do not do this."),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "cannot be declared not applicable" in response.content.decode()
    assert count(SelfAssessmentAnswer) == 0
    assigned.refresh_from_db()
    assert assigned.status == S.AUDITOR_ASSIGNED


def test_not_applicable_needs_an_explanation(client, alice, alpha, assigned):
    criterion = next(c for c in criteria_of(assigned) if c.na_allowed)
    client.force_login(alice)
    response = client.post(
        answer_url(alpha, assigned, criterion), answer_data(criterion, "not_applicable", "")
    )
    assert response.status_code == 200
    assert "Explain why the criterion does not apply." in response.content.decode()
    assert count(SelfAssessmentAnswer) == 0


def test_answer_to_a_criterion_of_another_scheme_is_refused(
    client, alice, alpha, assigned, catalogue
):
    with scopes_disabled():
        other = (
            catalogue.schemes.get(kind=SchemeKind.PRODUCT)
            .assessment_criteria.order_by("pk")
            .first()
        )
    client.force_login(alice)
    response = client.post(answer_url(alpha, assigned, other), answer_data(other))
    assert response.status_code == 302
    assert count(SelfAssessmentAnswer) == 0


def test_member_cannot_answer(client, bob, alpha, assigned):
    criterion = criteria_of(assigned)[0]
    client.force_login(bob)
    assert (
        client.post(answer_url(alpha, assigned, criterion), answer_data(criterion)).status_code
        == 403
    )
    assert count(SelfAssessmentAnswer) == 0


def test_submit_with_unanswered_shall_lists_them(client, alice, alpha, assigned):
    first = criteria_of(assigned)[0]
    self_assessment_answer(
        application=assigned, criterion_id=first.pk, status="implemented", explanation="", by=alice
    )
    client.force_login(alice)
    response = client.post(u("self_assessment_submit", alpha, assigned), follow=True)
    html = response.content.decode()
    # The page opens at its top, where the refusal is shown (not at the form at its end).
    assert [url for url, _status in response.redirect_chain] == [
        u("self_assessment", alpha, assigned)
    ]
    missing = [c for c in criteria_of(assigned, Obligation.SHALL) if c.pk != first.pk]
    assert "Answer every mandatory (shall) criterion first" in html
    assert all(c.code in html for c in missing)
    assigned.refresh_from_db()
    assert assigned.status == S.SELF_ASSESSMENT


def test_submit_self_assessment_starts_the_audit_and_locks_the_editor(
    client, alice, alpha, assigned
):
    answer_all(assigned, alice)
    client.force_login(alice)
    response = client.post(u("self_assessment_submit", alpha, assigned))
    assert response.status_code == 302
    assigned.refresh_from_db()
    assert assigned.status == S.AUDIT
    html = client.get(u("self_assessment", alpha, assigned)).content.decode()
    assert "hx-post=" not in html and "can no longer be changed" in html


def test_self_assessment_queries_are_bounded_and_do_not_grow_with_evidence(
    client, alice, alpha, assigned, django_assert_max_num_queries
):
    client.force_login(alice)
    assert len(criteria_of(assigned)) == 30
    with django_assert_max_num_queries(20) as before:
        client.get(u("self_assessment", alpha, assigned))
    answer_all(assigned, alice)
    for criterion in criteria_of(assigned):
        for n in range(2):
            evidence_add_file(
                application=assigned,
                upload=upload(f"e{n}.pdf", PDF_BYTES),
                criterion_id=criterion.pk,
                by=alice,
            )
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(u("self_assessment", alpha, assigned))
    assert response.content.decode().count("/certification/evidence/") == 60


# --- evidence -----------------------------------------------------------------------------


def evidence_url(alpha, application, criterion):
    return u("evidence_add", alpha, application, criterion_id=criterion.pk)


def post_file(client, alpha, application, criterion, name, content, **extra):
    return client.post(
        evidence_url(alpha, application, criterion),
        {f"e{criterion.pk}-file": upload(name, content), **extra},
    )


def test_owner_adds_a_pdf(client, alice, alpha, assigned):
    criterion = criteria_of(assigned)[0]
    client.force_login(alice)
    response = post_file(client, alpha, assigned, criterion, "Handbook 2026.pdf", PDF_BYTES)
    assert response.status_code == 302
    with scopes_disabled():
        item = Evidence.objects.get()
    assert (item.criterion_id, item.original_name, item.content_type) == (
        criterion.pk,
        "Handbook 2026.pdf",
        "application/pdf",
    )
    assert not item.file.name.endswith("Handbook 2026.pdf")  # stored under a random name


def test_owner_adds_a_docx_and_a_link(client, alice, alpha, assigned):
    criterion = criteria_of(assigned)[1]
    client.force_login(alice)
    assert post_file(client, alpha, assigned, criterion, "p.docx", docx_bytes()).status_code == 302
    response = client.post(
        evidence_url(alpha, assigned, criterion),
        {f"e{criterion.pk}-url": "https://example.org/api-docs", f"e{criterion.pk}-title": "API"},
    )
    assert response.status_code == 302
    assert count(Evidence, criterion=criterion) == 2
    html = client.get(u("self_assessment", alpha, assigned)).content.decode()
    assert 'href="https://example.org/api-docs"' in html


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "not accepted"),
        ("report.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "not accepted"),
        ("diagram.pdf", PNG_BYTES, "does not match its content"),
    ],
    ids=["exe-renamed-pdf", "html-renamed-pdf", "png-named-pdf"],
)
def test_disguised_upload_is_refused_and_nothing_is_stored(
    client, alice, alpha, assigned, name, content, message
):
    criterion = criteria_of(assigned)[0]
    client.force_login(alice)
    response = post_file(client, alpha, assigned, criterion, name, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert count(Evidence) == 0
    assert storage_files() == []


def test_oversized_upload_is_refused(client, alice, alpha, assigned, monkeypatch):
    monkeypatch.setattr("certification.uploads.MAX_EVIDENCE_BYTES", 100)
    criterion = criteria_of(assigned)[0]
    client.force_login(alice)
    response = post_file(client, alpha, assigned, criterion, "big.pdf", PDF_BYTES + b"0" * 200)
    assert response.status_code == 200
    assert "larger than" in response.content.decode()
    assert count(Evidence) == 0
    assert storage_files() == []


def test_file_and_link_at_once_is_refused(client, alice, alpha, assigned):
    criterion = criteria_of(assigned)[0]
    client.force_login(alice)
    response = post_file(
        client,
        alpha,
        assigned,
        criterion,
        "a.pdf",
        PDF_BYTES,
        **{f"e{criterion.pk}-url": "https://example.org"},
    )
    assert response.status_code == 200
    assert "either a file or a link" in response.content.decode()
    assert count(Evidence) == 0


def test_member_cannot_add_evidence(client, bob, alpha, assigned):
    criterion = criteria_of(assigned)[0]
    client.force_login(bob)
    assert post_file(client, alpha, assigned, criterion, "a.pdf", PDF_BYTES).status_code == 403
    assert count(Evidence) == 0


def test_owner_removes_evidence_member_cannot(client, alice, bob, alpha, assigned):
    criterion = criteria_of(assigned)[0]
    item = evidence_add_file(
        application=assigned, upload=upload("a.pdf", PDF_BYTES), criterion_id=criterion.pk, by=alice
    )
    target = u("evidence_remove", alpha, assigned, evidence_id=item.pk)
    client.force_login(bob)
    assert client.post(target).status_code == 403
    client.force_login(alice)
    response = client.post(target)
    assert response.status_code == 302
    assert count(Evidence) == 0


def test_evidence_of_another_application_cannot_be_removed(client, alice, alpha, assigned):
    criterion = criteria_of(assigned)[0]
    item = evidence_add_file(
        application=assigned, upload=upload("a.pdf", PDF_BYTES), criterion_id=criterion.pk, by=alice
    )
    other = new_application(alpha, alice)
    client.force_login(alice)
    assert client.post(u("evidence_remove", alpha, other, evidence_id=item.pk)).status_code == 404
    assert count(Evidence) == 1


def test_evidence_is_locked_after_submission(client, alice, alpha, in_audit):
    criterion = criteria_of(in_audit)[0]
    client.force_login(alice)
    response = post_file(client, alpha, in_audit, criterion, "late.pdf", PDF_BYTES)
    assert response.status_code == 302
    assert count(Evidence) == 0


# --- findings -----------------------------------------------------------------------------


@pytest.fixture
def finding(in_audit, auditor_user):
    return finding_raise(
        objective_evidence="Seen during the audit.",
        application=in_audit,
        kind="minor",
        criterion_ids=[criteria_of(in_audit)[0].pk],
        description="The interface documentation is two releases behind.",
        by=auditor_user,
        due_date=timezone.localdate() + timedelta(days=20),
    )


def test_detail_lists_findings_with_due_date_and_status(client, bob, alpha, in_audit, finding):
    client.force_login(bob)
    html = client.get(u("application", alpha, in_audit)).content.decode()
    assert "Minor nonconformity" in html
    assert f'id="f-{finding.pk}"' in html
    assert criteria_of(in_audit)[0].code in html
    assert "Open" in html


def test_finding_page_member_reads_owner_answers(client, alice, bob, alpha, in_audit, finding):
    target = u("finding_answer", alpha, in_audit, finding_id=finding.pk)
    client.force_login(bob)
    response = client.get(target)
    assert response.status_code == 200
    assert 'name="corrective_action"' not in response.content.decode()
    assert client.post(target, {"corrective_action": "Done."}).status_code == 403
    client.force_login(alice)
    assert 'name="corrective_action"' in client.get(target).content.decode()
    # findings: the answer in its steps (correction, root cause, action and its date).
    response = client.post(
        target,
        {
            **answer_fields(),
            "corrective_action": "Docs regenerated on every release.",
        },
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.ANSWERED
    assert finding.corrective_action == "Docs regenerated on every release."


def test_finding_empty_answer_is_refused(client, alice, alpha, in_audit, finding):
    client.force_login(alice)
    response = client.post(
        u("finding_answer", alpha, in_audit, finding_id=finding.pk), {"corrective_action": ""}
    )
    assert response.status_code == 200
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_finding_outsider_404(client, charlie, beta, alpha, in_audit, finding):
    client.force_login(charlie)
    assert (
        client.get(u("finding_answer", alpha, in_audit, finding_id=finding.pk)).status_code == 404
    )


def test_finding_of_another_application_is_404(client, alice, alpha, in_audit, finding):
    other = new_application(alpha, alice)
    client.force_login(alice)
    assert client.get(u("finding_answer", alpha, other, finding_id=finding.pk)).status_code == 404


def test_owner_attaches_evidence_to_a_nonconformity(client, alice, alpha, in_audit, finding):
    client.force_login(alice)
    response = client.post(
        u("finding_evidence_add", alpha, in_audit, finding_id=finding.pk),
        {"f-file": upload("fix.png", PNG_BYTES, "image/png"), "f-title": "Screenshot"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        item = Evidence.objects.get()
    assert item.finding_id == finding.pk and item.criterion_id is None
    html = client.get(u("finding_answer", alpha, in_audit, finding_id=finding.pk)).content.decode()
    assert reverse("certification:evidence_download", args=[item.pk]) in html


def test_disguised_finding_evidence_is_refused(client, alice, alpha, in_audit, finding):
    client.force_login(alice)
    response = client.post(
        u("finding_evidence_add", alpha, in_audit, finding_id=finding.pk),
        {"f-file": upload("fix.pdf", b"#!/bin/sh\nrm -rf /\n")},
    )
    assert response.status_code == 200
    assert "not accepted" in response.content.decode()
    assert count(Evidence) == 0


def test_one_autosave_costs_a_bounded_number_of_queries(
    client, alice, alpha, assigned, django_assert_max_num_queries
):
    criterion = criteria_of(assigned)[0]
    client.force_login(alice)
    client.post(answer_url(alpha, assigned, criterion), answer_data(criterion))
    # 8 session/user/tenant, 2 lookups, 8 in the service (savepoint, lock, membership,
    # criterion, answer, update, activity, release), 6 for the row and progress re-read.
    with django_assert_max_num_queries(24):
        response = client.post(
            answer_url(alpha, assigned, criterion),
            answer_data(criterion, "partially", "Half done."),
            HTTP_HX_REQUEST="true",
        )
    assert "Saved at" in response.content.decode()
