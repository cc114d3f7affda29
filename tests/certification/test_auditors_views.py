"""Auditor competence on the pages: the auditor's profile (their record, applying with an
evidence file, withdrawing, their own evidence), the office's list of auditors, an auditor's
competence record, the queue of applications, the decision page and the assignment page with
the reasons an auditor cannot be chosen. Outsiders get 404; lists keep their queries bounded."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import AuditorAssignment, AuditorQualification, QualificationStatus
from certification.services.auditors import (
    assignment_end,
    auditor_assign,
    auditor_conflict_declare,
    qualification_apply,
)
from cpo_portal.accounts.models import Auditor
from tests.factories import make_office

from .factories import QualificationFactory
from .helpers import EXPERIENCE, PDF_BYTES, TRAINING, make_auditor, unqualify

pytestmark = pytest.mark.django_db

Q = QualificationStatus


def url(name, *args):
    return reverse(f"certification:{name}", args=args)


def today():
    return timezone.localdate()


def apply(auditor, kind="organizational", evidence=None):
    return qualification_apply(
        auditor=auditor,
        scheme_kind=kind,
        training=TRAINING,
        experience=EXPERIENCE,
        evidence=evidence,
        by=auditor.user,
    )


def queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


@pytest.fixture
def novice(co_user):
    return Auditor.objects.create(user=co_user, organisation_name="Audit Body")


@pytest.fixture
def novice_client(client, novice):
    client.force_login(novice.user)
    return client


@pytest.fixture
def office_client(client, office_user):
    client.force_login(office_user)
    return client


# --- The auditor's profile --------------------------------------------------------------------


def test_profile_shows_the_record(client, auditor_user, lead, assigned, beta):
    auditor_conflict_declare(auditor=lead, organization=beta, by=auditor_user)
    QualificationFactory(auditor=lead, scheme_kind="product")
    client.force_login(auditor_user)
    page = client.get(url("auditor_profile")).content.decode()
    assert "in force until" in page
    assert "awaiting the office's decision since" in page
    assert "Apply for renewal" in page
    assert "Beta" in page  # the conflict, with the day it was declared
    assert "Alpha" in page  # the audit performed


def test_auditor_applies_with_an_evidence_file(novice_client, novice):
    response = novice_client.get(url("qualification_apply") + "?scheme=product")
    assert response.status_code == 200
    assert response.context["form"].initial["scheme_kind"] == "product"
    response = novice_client.post(
        url("qualification_apply"),
        {
            "scheme_kind": "product",
            "training": TRAINING,
            "experience": EXPERIENCE,
            "audits_witnessed": "",
            "evidence": SimpleUploadedFile("cv.pdf", PDF_BYTES, "application/pdf"),
        },
    )
    assert response.status_code == 302
    applied = novice.qualifications.get()
    assert (applied.scheme_kind, applied.status, applied.evidence_name) == (
        "product",
        Q.APPLIED,
        "cv.pdf",
    )
    download = novice_client.get(url("qualification_evidence", applied.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert download["Content-Security-Policy"] == "sandbox"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"scheme_kind": "organizational", "training": "", "experience": "x"}, "training"),
        ({"scheme_kind": "space", "training": "x", "experience": "x"}, "scheme_kind"),
    ],
)
def test_bad_applications_are_422_and_write_nothing(novice_client, novice, data, error):
    response = novice_client.post(url("qualification_apply"), data)
    assert response.status_code == 422
    assert error in response.context["form"].errors
    assert novice.qualifications.count() == 0


def test_a_file_that_is_not_what_it_says_is_refused_on_the_form(novice_client, novice):
    response = novice_client.post(
        url("qualification_apply"),
        {
            "scheme_kind": "organizational",
            "training": TRAINING,
            "experience": EXPERIENCE,
            "evidence": SimpleUploadedFile("cv.pdf", b"MZ\x90\x00 a program", "application/pdf"),
        },
    )
    assert response.status_code == 422
    assert "evidence" in response.context["form"].errors
    assert novice.qualifications.count() == 0


def test_a_second_application_for_the_same_scheme_is_refused(novice_client, novice):
    apply(novice)
    response = novice_client.post(
        url("qualification_apply"),
        {"scheme_kind": "organizational", "training": "x", "experience": "y"},
    )
    assert response.status_code == 422
    assert "already applied" in response.content.decode()
    assert novice.qualifications.count() == 1


def test_withdrawing_is_confirmed_first(novice_client, novice):
    applied = apply(novice)
    page = novice_client.get(url("qualification_withdraw", applied.pk))
    assert page.status_code == 200
    assert page.context["can_withdraw"] is True
    applied.refresh_from_db()
    assert applied.status == Q.APPLIED  # GET changed nothing

    assert novice_client.post(url("qualification_withdraw", applied.pk)).status_code == 302
    applied.refresh_from_db()
    assert applied.status == Q.WITHDRAWN
    page = novice_client.get(url("qualification_withdraw", applied.pk))
    assert page.context["can_withdraw"] is False


def test_someone_elses_qualification_and_evidence_are_404(
    client, novice, auditor_user, lead, alice, office_user
):
    applied = apply(novice, evidence=SimpleUploadedFile("cv.pdf", PDF_BYTES, "application/pdf"))
    for user in (auditor_user, alice, office_user):
        client.force_login(user)
        for name in ("qualification_withdraw", "qualification_evidence"):
            assert client.get(url(name, applied.pk)).status_code == 404
        assert client.post(url("qualification_withdraw", applied.pk)).status_code == 404
        assert client.get(url("qualification_apply")).status_code == (
            200 if user == auditor_user else 404
        )
    applied.refresh_from_db()
    assert applied.status == Q.APPLIED


def test_a_visitor_is_sent_to_sign_in(client, novice):
    applied = apply(novice)
    for path in (
        url("qualification_apply"),
        url("qualification_evidence", applied.pk),
        url("office_qualification", applied.pk),
        url("office_auditor", novice.pk),
    ):
        assert client.get(path)["Location"].startswith("/accounts/login/")


# --- The office: list, record, queue -----------------------------------------------------------


def test_office_list_flags_expiry_and_pending_applications(office_client, lead, co):
    AuditorQualification.objects.filter(auditor=co, scheme_kind="product").update(
        valid_until=today() + timedelta(days=20)
    )
    QualificationFactory(auditor=co, scheme_kind="product")
    unqualify(lead, "organizational")
    page = office_client.get(url("office_auditors")).content.decode()
    assert "1 application awaiting a decision" in page
    assert "1 qualification expires within 60 days" in page
    assert "expires on" in page
    assert "renewal applied for" in page
    assert "expired on" in page
    assert url("office_auditor", co.pk) in page


def test_office_list_queries_do_not_grow(office_client, lead, make_user):
    queries(office_client, url("office_auditors"))
    few = queries(office_client, url("office_auditors"))
    for index in range(6):
        auditor = make_auditor(make_user(email=f"a{index}@example.org"))
        QualificationFactory(auditor=auditor, scheme_kind="product")
    assert queries(office_client, url("office_auditors")) == few


def test_the_record_shows_history_audits_and_conflicts(
    office_client, assigned, lead, co, beta, office_user
):
    auditor_conflict_declare(
        auditor=lead, organization=beta, until=today() + timedelta(days=9), by=lead.user
    )
    response = office_client.get(url("office_auditor", lead.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert url("office_application", assigned.pk) in page  # read-only link to the case
    assert "Lead auditor" in page
    assert "Beta" in page
    assert len(response.context["competence"].history) == 2


def test_record_queries_do_not_grow_with_audits(
    office_client, accepted, lead, co, office_user, alpha, alice
):
    from .helpers import new_application, set_status

    auditor_assign(application=accepted, auditor=lead, role="lead", by=office_user)
    queries(office_client, url("office_auditor", lead.pk))
    few = queries(office_client, url("office_auditor", lead.pk))
    for _ in range(4):
        other = set_status(new_application(alpha, alice), "accepted")
        assignment = auditor_assign(application=other, auditor=lead, role="lead", by=office_user)
        assignment_end(assignment=assignment, by=office_user, reason="Test.")
        QualificationFactory(auditor=lead, withdrawn=True)
    assert queries(office_client, url("office_auditor", lead.pk)) == few


def test_the_queue_lists_the_oldest_first_with_bounded_queries(office_client, co, make_user):
    older = QualificationFactory(auditor=co, applied_at=timezone.now() - timedelta(days=5))
    response = office_client.get(url("office_qualification_queue"))
    assert list(response.context["page"].object_list) == [older]
    queries(office_client, url("office_qualification_queue"))
    few = queries(office_client, url("office_qualification_queue"))
    for index in range(5):
        QualificationFactory(auditor__user=make_user(email=f"q{index}@example.org"))
    assert queries(office_client, url("office_qualification_queue")) == few


def test_office_pages_are_404_for_everyone_else(client, co, alice, auditor_user, lead):
    applied = apply(co)
    for user in (alice, auditor_user):
        client.force_login(user)
        for path in (
            url("office_auditors"),
            url("office_auditor", co.pk),
            url("office_qualification_queue"),
            url("office_qualification", applied.pk),
            url("office_qualification_evidence", applied.pk),
        ):
            assert client.get(path).status_code == 404, path
        response = client.post(url("office_qualification", applied.pk), {"action": "refuse"})
        assert response.status_code == 404
    applied.refresh_from_db()
    assert applied.status == Q.APPLIED


# --- The decision ---------------------------------------------------------------------------


def test_an_administrator_approves_on_the_page(office_client, novice):
    applied = apply(novice, evidence=SimpleUploadedFile("cv.pdf", PDF_BYTES, "application/pdf"))
    page = office_client.get(url("office_qualification", applied.pk))
    assert page.status_code == 200
    assert page.context["approve_form"] is not None
    evidence = office_client.get(url("office_qualification_evidence", applied.pk))
    assert b"".join(evidence.streaming_content) == PDF_BYTES

    end = today() + timedelta(days=365)
    response = office_client.post(
        url("office_qualification", applied.pk),
        {"action": "approve", "valid_from": str(today()), "valid_until": str(end)},
    )
    assert response.status_code == 302
    applied.refresh_from_db()
    assert (applied.status, applied.valid_until) == (Q.APPROVED, end)
    page = office_client.get(url("office_qualification", applied.pk))
    assert page.context["revoke_form"] is not None
    assert page.context["approve_form"] is None


def test_a_bad_validity_is_shown_on_its_field(office_client, novice):
    applied = apply(novice)
    response = office_client.post(
        url("office_qualification", applied.pk),
        {
            "action": "approve",
            "valid_from": str(today()),
            "valid_until": str(today() + timedelta(days=6 * 366)),
        },
    )
    assert response.status_code == 422
    assert "valid_until" in response.context["approve_form"].errors
    applied.refresh_from_db()
    assert applied.status == Q.APPLIED


def test_refusing_and_revoking_need_a_reason(office_client, novice, co):
    applied = apply(novice)
    response = office_client.post(url("office_qualification", applied.pk), {"action": "refuse"})
    assert response.status_code == 422
    response = office_client.post(
        url("office_qualification", applied.pk), {"action": "refuse", "reason": "Too new."}
    )
    assert response.status_code == 302
    applied.refresh_from_db()
    assert (applied.status, applied.decision_note) == (Q.REFUSED, "Too new.")

    approved = co.qualifications.get(scheme_kind="product")
    response = office_client.post(
        url("office_qualification", approved.pk), {"action": "revoke", "reason": "Left."}
    )
    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.status == Q.REVOKED


def test_revoking_while_an_open_audit_relies_on_it_is_refused(office_client, assigned, lead):
    approved = lead.qualifications.get(scheme_kind="organizational")
    page = office_client.get(url("office_qualification", approved.pk))
    assert [a.application for a in page.context["relying"]] == [assigned]
    response = office_client.post(
        url("office_qualification", approved.pk), {"action": "revoke", "reason": "Left."}
    )
    assert response.status_code == 422
    assert "End the assignment first" in response.content.decode()
    approved.refresh_from_db()
    assert approved.status == Q.APPROVED


def test_a_reviewer_reads_but_does_not_decide(client, novice, make_user, activate_totp):
    reviewer = activate_totp(make_office(make_user(email="r@example.org"), "reviewer"))
    applied = apply(novice)
    client.force_login(reviewer)
    page = client.get(url("office_qualification", applied.pk))
    assert page.status_code == 200
    assert page.context["can_decide"] is False
    assert 'name="action" value="approve"' not in page.content.decode()
    response = client.post(
        url("office_qualification", applied.pk),
        {
            "action": "approve",
            "valid_from": str(today()),
            "valid_until": str(today() + timedelta(days=9)),
        },
    )
    assert response.status_code == 422
    applied.refresh_from_db()
    assert applied.status == Q.APPLIED


def test_an_administrator_who_is_an_auditor_does_not_decide_their_own(office_client, office_user):
    own = apply(Auditor.objects.create(user=office_user))
    page = office_client.get(url("office_qualification", own.pk))
    assert page.context["is_own"] is True
    assert 'name="action" value="approve"' not in page.content.decode()
    response = office_client.post(
        url("office_qualification", own.pk), {"action": "refuse", "reason": "Mine."}
    )
    assert response.status_code == 422
    own.refresh_from_db()
    assert own.status == Q.APPLIED


def test_an_unknown_action_is_404(office_client, novice):
    applied = apply(novice)
    assert (
        office_client.post(url("office_qualification", applied.pk), {"action": "x"}).status_code
        == 404
    )


# --- The assignment page: who may be chosen, and why not ------------------------------------


def test_only_eligible_auditors_are_offered_the_others_listed_with_reasons(
    office_client, accepted, lead, co, make_user, office_user
):
    auditor_conflict_declare(auditor=co, organization=accepted.organization, by=co.user)
    expired = unqualify(make_auditor(make_user(email="old@example.org", full_name="Olaf Old")))
    make_auditor(office_user)

    response = office_client.get(url("office_assign", accepted.pk))

    assert response.status_code == 200
    assert [o.auditor for o in response.context["eligible"]] == [lead]
    page = response.content.decode()
    select = page.split('id="id_assign_auditor"', 1)[1].split("</select>", 1)[0]
    assert f'value="{lead.pk}"' in select
    assert f'value="{co.pk}"' not in select
    assert f'value="{expired.pk}"' not in select
    why = page.split('data-testid="why-not"', 1)[1]
    assert "declared a conflict of interest without end" in why
    assert "qualification expired on" in why
    assert "you cannot assign yourself" in why


def test_assigning_from_the_page(office_client, accepted, lead):
    response = office_client.post(
        url("office_assign", accepted.pk), {"auditor": lead.pk, "role": "lead"}
    )
    assert response.status_code == 302
    with scopes_disabled():
        assert AuditorAssignment.objects.filter(application=accepted, auditor=lead).exists()


def test_a_forged_post_for_an_expired_auditor_is_refused_with_the_reason(
    office_client, accepted, co
):
    unqualify(co)
    response = office_client.post(
        url("office_assign", accepted.pk), {"auditor": co.pk, "role": "lead"}
    )
    assert response.status_code == 200
    assert "qualification expired on" in response.content.decode()
    with scopes_disabled():
        assert not AuditorAssignment.objects.filter(application=accepted).exists()


def test_the_assignment_page_queries_do_not_grow(office_client, accepted, lead, make_user):
    queries(office_client, url("office_assign", accepted.pk))
    few = queries(office_client, url("office_assign", accepted.pk))
    for index in range(8):
        auditor = make_auditor(make_user(email=f"x{index}@example.org"))
        if index % 2:
            unqualify(auditor)
    assert queries(office_client, url("office_assign", accepted.pk)) == few


def test_the_ineligible_list_is_paginated(office_client, accepted, make_user):
    for index in range(27):
        Auditor.objects.create(user=make_user(email=f"n{index:02}@example.org"))
    response = office_client.get(url("office_assign", accepted.pk))
    assert len(response.context["page"].object_list) == 25
    response = office_client.get(url("office_assign", accepted.pk) + "?page=2")
    assert len(response.context["page"].object_list) == 2


def test_the_assignment_page_is_404_for_everyone_else(client, accepted, auditor_user, alice, lead):
    for user in (auditor_user, alice):
        client.force_login(user)
        assert client.get(url("office_assign", accepted.pk)).status_code == 404
        response = client.post(
            url("office_assign", accepted.pk), {"auditor": lead.pk, "role": "lead"}
        )
        assert response.status_code == 404
    with scopes_disabled():
        assert not AuditorAssignment.objects.filter(application=accepted).exists()
