"""Clarification pages: the auditor asks, replies and closes (after a confirmation); the
company reads and answers with evidence; the office reads; outsiders get 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scopes_disabled

from certification.models import ClarificationRequest, ClarificationStatus, Evidence
from certification.services.clarifications import clarification_answer, clarification_ask

from .helpers import criteria_of

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def url(name, *args, **kwargs):
    return reverse(f"certification:{name}", args=args, kwargs=kwargs or None)


@pytest.fixture
def asked(in_audit, auditor_user):
    return clarification_ask(
        application=in_audit,
        criterion_id=criteria_of(in_audit)[0].pk,
        question="Who owns the OCPP interface?",
        by=auditor_user,
    )


def company_url(name, application, request=None):
    kwargs = {"org_slug": application.organization.slug, "pk": application.pk}
    if request is not None:
        kwargs["cid"] = request.pk
    return url(name, **kwargs)


def test_the_auditor_asks_from_the_sheet_and_lands_on_the_thread(client, in_audit, auditor_user):
    criterion = criteria_of(in_audit)[0]
    client.force_login(auditor_user)
    sheet = client.get(url("audit", in_audit.pk)).content.decode()
    new = url("audit_clarification_new", in_audit.pk)
    assert f"{new}?criterion={criterion.pk}" in sheet
    response = client.post(new, {"criterion": criterion.pk, "question": "Who is the owner?"})
    with scopes_disabled():
        request = ClarificationRequest.objects.get(application=in_audit)
    assert response.status_code == 302
    assert response["Location"] == url("audit_clarification", in_audit.pk, request.pk)
    page = client.get(response["Location"]).content.decode()
    assert "Who is the owner?" in page
    # The sheet's row counts it.
    assert "1 awaiting the company" in client.get(url("audit", in_audit.pk)).content.decode()


def test_an_empty_question_is_refused_on_the_form(client, in_audit, auditor_user):
    client.force_login(auditor_user)
    response = client.post(
        url("audit_clarification_new", in_audit.pk),
        {"criterion": criteria_of(in_audit)[0].pk, "question": ""},
    )
    assert response.status_code == 422


def test_the_company_reads_and_its_owner_answers_with_a_file(client, in_audit, asked, alice, bob):
    client.force_login(bob)
    page = client.get(company_url("clarification", in_audit, asked)).content.decode()
    assert "Who owns the OCPP interface?" in page
    assert "Send the answer" not in page  # a plain member reads
    client.force_login(alice)
    assert (
        "Send the answer"
        in client.get(company_url("clarification", in_audit, asked)).content.decode()
    )
    response = client.post(
        company_url("clarification_answer", in_audit, asked),
        {
            "body": "Our CTO.",
            "file": SimpleUploadedFile("org.pdf", PDF, content_type="application/pdf"),
            "title": "Organigram",
        },
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.status == ClarificationStatus.ANSWERED
    with scopes_disabled():
        evidence = Evidence.objects.get(clarification=asked)
    page = client.get(company_url("clarification", in_audit, asked)).content.decode()
    assert url("evidence_download", evidence.pk) in page and "Our CTO." in page


def test_a_disguised_file_is_refused_beside_the_answer(client, in_audit, asked, alice):
    client.force_login(alice)
    response = client.post(
        company_url("clarification_answer", in_audit, asked),
        {
            "body": "See file.",
            "file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00", content_type="application/pdf"),
        },
    )
    assert response.status_code == 422
    asked.refresh_from_db()
    assert asked.status == ClarificationStatus.OPEN


def test_the_open_request_is_on_the_company_case_page_and_to_do_list(
    client, in_audit, asked, alice
):
    client.force_login(alice)
    thread = company_url("clarification", in_audit, asked)
    assert thread in client.get(company_url("application", in_audit)).content.decode()
    home = client.get(reverse("tenancy:home", args=[in_audit.organization.slug])).content.decode()
    assert thread in home


def test_the_auditor_replies_then_closes_after_a_confirmation(
    client, in_audit, asked, alice, auditor_user
):
    clarification_answer(request=asked, body="The CTO.", by=alice)
    client.force_login(auditor_user)
    client.post(url("audit_clarification_reply", in_audit.pk, asked.pk), {"body": "Since when?"})
    asked.refresh_from_db()
    assert asked.status == ClarificationStatus.OPEN
    close = url("audit_clarification_close", in_audit.pk, asked.pk)
    page = client.get(close)
    assert page.status_code == 200 and "final" in page.content.decode()
    asked.refresh_from_db()
    assert asked.status == ClarificationStatus.OPEN  # the GET changed nothing
    client.post(close)
    asked.refresh_from_db()
    assert asked.status == ClarificationStatus.CLOSED


def test_the_office_reads_every_thread(client, in_audit, asked, office_user):
    client.force_login(office_user)
    page = client.get(url("office_clarifications", in_audit.pk)).content.decode()
    assert "Who owns the OCPP interface?" in page
    assert (
        url("office_clarifications", in_audit.pk)
        in client.get(url("office_application", in_audit.pk)).content.decode()
    )


def test_outsiders_get_404(client, in_audit, asked, charlie, co_user):
    client.force_login(charlie)
    assert client.get(company_url("clarification", in_audit, asked)).status_code == 404
    client.force_login(co_user)  # an auditor, not assigned to this audit
    assert client.get(url("audit_clarification", in_audit.pk, asked.pk)).status_code == 404
    assert client.get(url("audit_clarifications", in_audit.pk)).status_code == 404


def test_a_request_of_another_case_is_404(client, in_audit, asked, auditor_user):
    client.force_login(auditor_user)
    assert client.get(url("audit_clarification", in_audit.pk, asked.pk + 1000)).status_code == 404


def test_the_list_costs_the_same_queries_for_more_threads(
    client, in_audit, auditor_user, django_assert_max_num_queries
):
    client.force_login(auditor_user)
    criterion = criteria_of(in_audit)[0]

    def ask(n):
        for i in range(n):
            clarification_ask(
                application=in_audit, criterion_id=criterion.pk, question=f"Q{i}", by=auditor_user
            )

    ask(2)
    with django_assert_max_num_queries(40) as few:
        client.get(url("audit_clarifications", in_audit.pk))
    ask(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url("audit_clarifications", in_audit.pk))


# --- Evidence required: the sheet's warning and the self-assessment's summary ----------------

HX = {"HTTP_HX_REQUEST": "true"}


def test_the_sheet_marks_the_row_and_offers_the_confirmation_when_refused(
    client, in_audit, auditor_user
):
    criterion = next(c for c in criteria_of(in_audit) if c.evidence_required)
    client.force_login(auditor_user)
    assert "Evidence required, none given" in client.get(url("audit", in_audit.pk)).content.decode()
    save = url("score_save", in_audit.pk, criterion.pk)
    refused = client.post(save, {"rating": "fulfilled", "rationale": "", "version": 0}, **HX)
    assert refused.status_code == 422
    body = refused.content.decode()
    assert 'name="without_evidence"' in body and "data-autosave-refused" in body
    saved = client.post(
        save,
        {
            "rating": "fulfilled",
            "rationale": "Seen on site.",
            "version": 0,
            "without_evidence": "1",
        },
        **HX,
    )
    assert saved.status_code == 200
    assert 'name="without_evidence" value="1" checked' in saved.content.decode()


def test_the_self_assessment_lists_criteria_lacking_evidence_and_takes_the_reason(
    client, assigned, alice
):
    from certification.services.self_assessment import self_assessment_answer

    criterion = next(c for c in criteria_of(assigned, "shall") if c.evidence_required)
    self_assessment_answer(
        application=assigned,
        criterion_id=criterion.pk,
        status="implemented",
        explanation="See handbook.",
        by=alice,
    )
    client.force_login(alice)
    page_url = company_url("self_assessment", assigned)
    page = client.get(page_url).content.decode()
    assert 'id="lacking-evidence"' in page and f"#c-{criterion.pk}" in page
    assert "data-lacks-evidence" in page
    answer_url = url(
        "self_assessment_answer",
        org_slug=assigned.organization.slug,
        pk=assigned.pk,
        criterion_id=criterion.pk,
    )
    prefix = f"c{criterion.pk}"
    response = client.post(
        answer_url,
        {
            f"{prefix}-status": "implemented",
            f"{prefix}-explanation": "See handbook.",
            f"{prefix}-no_evidence_reason": "Shown on site.",
            f"{prefix}-version": 1,
        },
    )
    assert response.status_code == 302
    page = client.get(page_url).content.decode()
    assert 'id="lacking-evidence"' not in page
