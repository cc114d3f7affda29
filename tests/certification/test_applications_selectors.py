"""Reads: each scoped to who it serves, each with a bounded number of queries."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from certification.models import ApplicationStatus, AssignmentStatus, AuditorAssignment
from certification.selectors.applications import (
    OfficeFilter,
    application_for_office,
    application_of_organization,
    applications_for_office,
    applications_of_organization,
    events_of,
)
from certification.selectors.auditors import assignment_of_auditor, assignments_of, auditor_options
from certification.selectors.audits import (
    SheetFilter,
    application_sheet,
    audit_for_auditor,
    audits_for_auditor,
    score_history,
)
from certification.selectors.findings import finding_of_application
from certification.selectors.self_assessment import evidence_for_user
from certification.services.applications import (
    application_accept,
    application_submit,
    application_withdraw,
    organizational_grant_record,
)
from certification.services.auditors import (
    assignment_decline,
    auditor_assign,
    auditor_conflict_declare,
)
from certification.services.findings import finding_raise
from certification.services.self_assessment import (
    evidence_add_file,
    evidence_add_link,
)
from tests.factories import MembershipFactory

from .factories import advance
from .helpers import PDF, criteria_of, make_auditor, new_application, score, set_status

pytestmark = pytest.mark.django_db

S = ApplicationStatus


def _assignment(application, auditor):
    with scopes_disabled():
        return AuditorAssignment.objects.get(
            application=application, auditor=auditor, status=AssignmentStatus.ACTIVE
        )


# --- The organization -----------------------------------------------------------------------


def test_applications_of_organization_are_its_own(draft, alpha, beta_signee, beta, charlie):
    theirs = new_application(beta, charlie)

    assert list(applications_of_organization(alpha)) == [draft]
    assert list(applications_of_organization(beta)) == [theirs]


@pytest.mark.parametrize("pk", ["abc", None, "", 10**9])
def test_application_of_organization_refuses_garbage(pk, draft, alpha):
    assert application_of_organization(alpha, pk) is None


def test_application_of_another_organization_is_none(draft, alpha, beta):
    assert application_of_organization(alpha, draft.pk) == draft
    assert application_of_organization(alpha, str(draft.pk)) == draft
    assert application_of_organization(beta, draft.pk) is None


def test_events_and_assignments_of(assigned, lead, co, office_user, auditor_user):
    auditor_assign(application=assigned, auditor=co, role="co", by=office_user)
    assignment_decline(assignment=_assignment(assigned, co), by=co.user, reason="Busy.")

    assert [e.action for e in events_of(assigned)] == ["submit", "accept", "assign"]
    assert [(a.auditor, a.status) for a in assignments_of(assigned)] == [
        (lead, "active"),
        (co, "declined"),
    ]
    assert [a.auditor for a in assignments_of(assigned, active_only=True)] == [lead]


# --- Auditors -------------------------------------------------------------------------------


def test_auditor_sees_only_active_assignments(assigned, lead, co, co_user, auditor_user):
    assert [a.application for a in audits_for_auditor(auditor_user)] == [assigned]
    assert audits_for_auditor(co_user) == []
    assert audits_for_auditor(AnonymousUser()) == []
    assert audit_for_auditor(auditor_user, assigned.pk) == assigned
    assert audit_for_auditor(auditor_user, str(assigned.pk)) == assigned
    assert audit_for_auditor(co_user, assigned.pk) is None
    assert audit_for_auditor(AnonymousUser(), assigned.pk) is None
    assert audit_for_auditor(auditor_user, "x") is None
    assert assignment_of_auditor(auditor_user, assigned).auditor == lead
    assert assignment_of_auditor(co_user, assigned) is None


def test_a_declined_auditor_no_longer_sees_the_audit(assigned, lead, auditor_user):
    assignment_decline(assignment=_assignment(assigned, lead), by=auditor_user, reason="No.")

    assert audits_for_auditor(auditor_user) == []
    assert audit_for_auditor(auditor_user, assigned.pk) is None
    assert assignment_of_auditor(auditor_user, assigned) is None


@pytest.mark.parametrize(
    ("state", "visible"),
    [
        (S.AUDITOR_ASSIGNED, True),
        (S.SELF_ASSESSMENT, True),
        (S.AUDIT, True),
        (S.CORRECTIVE_ACTIONS, True),
        (S.REPORT_SUBMITTED, True),
        (S.DECIDED, False),
        (S.WITHDRAWN, False),
        (S.ACCEPTED, False),
    ],
)
def test_auditor_sees_the_audit_only_in_auditor_states(state, visible, assigned, auditor_user):
    set_status(assigned, state)

    assert (audit_for_auditor(auditor_user, assigned.pk) is not None) is visible
    assert bool(audits_for_auditor(auditor_user)) is visible


def test_audits_for_auditor_in_fixed_queries(
    alpha, alice, alpha_signee, lead, office_user, auditor_user, django_assert_num_queries
):
    for _ in range(3):
        application = new_application(alpha, alice)
        application_submit(application=application, by=alice)
        application_accept(application=application, by=office_user)
        auditor_assign(application=application, auditor=lead, role="lead", by=office_user)

    with django_assert_num_queries(1):
        audits = audits_for_auditor(auditor_user)
        assert {str(a.application.organization) for a in audits} == {"Alpha"}
        assert all(a.application.scheme.version.code for a in audits)
    assert len(audits) == 3


def test_auditor_options_say_who_may_audit_and_why_not(
    accepted, lead, co, co_user, make_user, office_user, django_assert_max_num_queries
):
    from cpo_portal.accounts.models import Auditor

    auditor_conflict_declare(auditor=co, organization=accepted.organization, by=co_user)
    member = make_auditor(make_user(email="member@example.org"))
    MembershipFactory(organization=accepted.organization, user=member.user)
    unqualified = Auditor.objects.create(user=make_user(email="new@example.org"))
    product_only = make_auditor(make_user(email="product@example.org"), "product")
    Auditor.objects.create(user=make_user(email="gone@example.org"), is_active=False)

    with django_assert_max_num_queries(4):
        options = {o.auditor: o for o in auditor_options(accepted)}

    assert len(options) == 5  # the inactive one is not offered
    assert (options[lead].eligible, options[lead].conflict) == (True, None)
    assert (options[co].qualified, options[co].conflict, options[co].eligible) == (
        True,
        "declared",
        False,
    )
    assert (options[member].conflict, options[member].eligible) == ("member", False)
    assert (options[unqualified].qualified, options[unqualified].eligible) == (False, False)
    assert options[product_only].qualified is False

    with django_assert_max_num_queries(4):
        everyone = {
            o.auditor.user.email: o for o in auditor_options(accepted, include_inactive=True)
        }
    assert len(everyone) == 6
    gone = everyone["gone@example.org"]
    assert (gone.active, gone.eligible) == (False, False)
    assert all(o.active for email, o in everyone.items() if email != "gone@example.org")


# --- The office -----------------------------------------------------------------------------


def test_office_sees_every_application_but_drafts(
    submitted, alpha, alice, beta_signee, beta, charlie
):
    new_application(beta, charlie)  # a draft

    assert list(applications_for_office()) == [submitted]
    assert application_for_office(submitted.pk) == submitted
    with scopes_disabled():
        draft_pk = beta.certification_applications.get().pk
    assert application_for_office(draft_pk) is None
    assert application_for_office("nope") is None


def test_office_filters(submitted, alpha, alice, office_user):
    organizational_grant_record(
        organization=alpha,
        reference="G",
        valid_until=submitted.window_end,
        by=office_user,
    )
    product = new_application(alpha, alice, kind="product")
    application_submit(application=product, by=alice)

    def pks(**kw):
        return {a.pk for a in applications_for_office(OfficeFilter(**kw))}

    assert pks() == {submitted.pk, product.pk}
    assert pks(kind="product") == {product.pk}
    assert pks(kind="bogus") == {submitted.pk, product.pk}  # unknown values are ignored
    assert pks(status="submitted") == {submitted.pk, product.pk}
    assert pks(status="accepted") == set()
    assert pks(status="'; drop table") == {submitted.pk, product.pk}
    assert pks(q="alpha plm") == {product.pk}
    assert pks(q="Alpha") == {submitted.pk, product.pk}
    assert pks(q="nobody") == set()


def test_office_list_in_one_query(submitted, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = list(applications_for_office())
        assert [(str(a.organization), a.scheme.version.code) for a in rows]


def test_score_history_in_one_query(in_audit, auditor_user, django_assert_num_queries):
    for criterion in criteria_of(in_audit)[:5]:
        score(in_audit, criterion, "fulfilled", auditor_user)

    loaded = application_for_office(in_audit.pk)
    with django_assert_num_queries(1):
        history = score_history(loaded)
        assert [str(c.by) for c in history] == ["Arne Auditor"] * 5
        assert all(c.score.criterion.code for c in history)


# --- The sheet ------------------------------------------------------------------------------


def _fill(in_audit, alice, auditor_user):
    criteria = criteria_of(in_audit)
    first, second = criteria[0], criteria[1]
    score(in_audit, first, "fulfilled", auditor_user)
    score(in_audit, second, "not_fulfilled", auditor_user)
    finding = finding_raise(
        objective_evidence="Seen during the audit.",
        application=in_audit,
        kind="major",
        criterion_ids=[second.pk],
        description="Gap",
        by=auditor_user,
    )
    evidence_add_link(
        application=in_audit, url="https://example.org/fix", finding=finding, by=alice
    )
    return first, second, finding


def test_sheet_rows_carry_answer_evidence_score_and_findings(assigned, alice, auditor_user):
    first = criteria_of(assigned)[0]
    evidence_add_file(
        application=assigned,
        upload=SimpleUploadedFile("h.pdf", PDF),
        criterion_id=first.pk,
        by=alice,
    )
    advance(assigned, to=S.AUDIT)  # every answer "implemented", then submitted
    first, second, finding = _fill(assigned, alice, auditor_user)

    sheet = application_sheet(assigned)

    assert sheet.total == len(criteria_of(assigned)) == 30
    assert len(sheet.blocks) == 8  # the organizational subject areas
    assert sheet.answered == 30 and sheet.answered_percent == 100
    assert (sheet.scored, sheet.scored_percent) == (2, 7)
    rows = {row.criterion: row for row in sheet.rows}
    assert rows[first].score.rating == "fulfilled" and rows[first].scored
    assert [e.original_name for e in rows[first].evidence] == ["h.pdf"]
    assert rows[second].findings == [finding]
    assert [e.url for e in sheet.findings[0].evidence_items] == ["https://example.org/fix"]
    assert rows[first].findings == []
    assert sheet.shall_unanswered == []
    block = sheet.blocks[0]
    assert block.result.shall.fulfilled == 1 and block.result.shall.not_fulfilled == 1
    assert (block.answered, block.scored) == (len(block.rows), 2)
    assert sheet.result.open_majors == 1 and not sheet.result.passed


def test_sheet_filters(in_audit, alice, auditor_user):
    first, second, _finding = _fill(in_audit, alice, auditor_user)

    def codes(**kw):
        sheet = application_sheet(in_audit, SheetFilter(**kw))
        return {row.criterion.code for row in sheet.rows}

    everything = {c.code for c in criteria_of(in_audit)}
    assert codes() == everything
    assert codes(unscored=True) == everything - {first.code, second.code}
    assert codes(shall_only=True) == {c.code for c in criteria_of(in_audit, "shall")}
    assert codes(with_findings=True) == {second.code}
    assert codes(with_findings=True, unscored=True) == set()
    # A filter hides rows, never changes the result.
    filtered = application_sheet(in_audit, SheetFilter(with_findings=True))
    assert filtered.result.overall.total == 30


def test_sheet_lists_unanswered_shall_criteria(assigned, alice):
    sheet = application_sheet(assigned)

    assert {r.criterion for r in sheet.shall_unanswered} == set(criteria_of(assigned, "shall"))
    assert sheet.answered_percent == 0


def test_sheet_in_a_fixed_number_of_queries(
    in_audit, alice, auditor_user, django_assert_max_num_queries
):
    loaded = application_for_office(in_audit.pk)
    _fill(in_audit, alice, auditor_user)
    with django_assert_max_num_queries(7) as few:
        application_sheet(loaded)
    for criterion in criteria_of(in_audit)[2:12]:
        score(in_audit, criterion, "partially", auditor_user, rationale="Half")
        finding_raise(
            objective_evidence="Seen during the audit.",
            application=in_audit,
            kind="observation",
            criterion_ids=[criterion.pk],
            description="Note",
            by=auditor_user,
        )

    with django_assert_max_num_queries(len(few.captured_queries)):
        sheet = application_sheet(loaded)
        [(r.score.updated_by, r.answer.updated_by, len(r.findings)) for r in sheet.rows]


# --- Evidence access ------------------------------------------------------------------------


@pytest.fixture
def evidence(assigned, alice):
    return evidence_add_file(
        application=assigned,
        upload=SimpleUploadedFile("h.pdf", PDF),
        criterion_id=criteria_of(assigned)[0].pk,
        by=alice,
    )


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("alice", True),
        ("bob", True),
        ("office_user", True),
        ("auditor_user", True),
        ("charlie", False),
        ("co_user", False),
    ],
)
def test_evidence_access_by_role(who, allowed, request, evidence, co):
    user = request.getfixturevalue(who)

    assert (evidence_for_user(user, evidence.pk) == evidence) is allowed


def test_evidence_access_ends_with_the_assignment(evidence, assigned, lead, auditor_user):
    assignment_decline(assignment=_assignment(assigned, lead), by=auditor_user, reason="No.")

    assert evidence_for_user(auditor_user, evidence.pk) is None


def test_evidence_access_ends_with_the_case(evidence, assigned, alice, auditor_user):
    application_withdraw(application=assigned, by=alice)

    assert evidence_for_user(auditor_user, evidence.pk) is None
    assert evidence_for_user(alice, evidence.pk) == evidence


def test_evidence_access_refuses_anonymous_and_garbage(evidence, alice):
    assert evidence_for_user(AnonymousUser(), evidence.pk) is None
    assert evidence_for_user(alice, "x") is None
    assert evidence_for_user(alice, 10**9) is None


def test_finding_of_application_is_scoped(in_audit, alice, auditor_user):
    _first, _second, finding = _fill(in_audit, alice, auditor_user)
    other = new_application(in_audit.organization, alice)

    assert finding_of_application(in_audit, finding.pk) == finding
    assert finding_of_application(other, finding.pk) is None
    assert finding_of_application(in_audit, "x") is None
