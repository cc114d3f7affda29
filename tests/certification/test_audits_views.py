"""The auditor's area: the scoring page with autosave, findings, report, profile, decline."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from certification.models import (
    Application,
    ApplicationStatus,
    AssignmentStatus,
    AuditorAssignment,
    AuditorConflict,
    Evidence,
    Finding,
    FindingStatus,
    Rating,
    Score,
    ScoreChange,
    SelfAssessmentAnswer,
)
from certification.services.applications import (
    application_decide,
    organizational_grant_record,
)
from certification.services.auditors import assignment_end, auditor_assign, auditor_conflict_declare
from certification.services.audits import score_save
from certification.services.findings import finding_answer, finding_raise
from criteria.models import AssessmentCriterion, AssessmentScheme, Obligation, SchemeKind
from tests.certification.factories import ApplicationFactory
from tests.certification.helpers import answer_fields, criteria_of, score, score_all, send_plan
from tests.criteria.factories import build_version

HX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args):
    return reverse(f"certification:{name}", args=args)


def save_url(application, criterion):
    return url("score_save", application.pk, criterion.pk)


def current(application, criterion):
    with scopes_disabled():
        return Score.objects.get(application=application, criterion=criterion)


def refresh(obj):
    with scopes_disabled():
        obj.refresh_from_db()


def changes(application):
    with scopes_disabled():
        return ScoreChange.objects.filter(score__application=application).count()


@pytest.fixture
def lead_client(client, in_audit, auditor_user):
    client.force_login(auditor_user)
    return client


@pytest.fixture
def first(in_audit):
    # One that needs no evidence: "fulfilled" saves without the auditor's confirmation
    # (evidence required, clarifications).
    return next(c for c in criteria_of(in_audit) if not c.evidence_required)


@pytest.fixture
def with_co(in_audit, co, office_user):
    auditor_assign(application=in_audit, auditor=co, role="co", by=office_user)
    return co


# --- who may see the auditor's area -------------------------------------------------------


def _audit_urls(application, criterion_id, finding_id=1):
    pk = application.pk
    return [
        ("get", url("audit", pk)),
        ("get", url("audit_summary", pk)),
        ("post", url("score_save", pk, criterion_id)),
        ("get", url("finding_new", pk)),
        ("post", url("finding_close", pk, finding_id)),
        ("post", url("finding_reopen", pk, finding_id)),
        ("post", url("request_corrections", pk)),
        ("post", url("resume_audit", pk)),
        ("get", url("audit_report", pk)),
        ("get", url("audit_decline", pk)),
    ]


def _assert_all_404(client, application, criterion, before_changes):
    for method, path in _audit_urls(application, criterion.pk):
        data = {"rating": "fulfilled", "version": 0, "note": "x"} if method == "post" else None
        response = getattr(client, method)(path, data)
        assert response.status_code == 404, (method, path)
    assert changes(application) == before_changes
    assert current(application, criterion).version == 0


def test_unassigned_auditor_gets_404_everywhere(client, in_audit, first, co_user, co):
    client.force_login(co_user)
    _assert_all_404(client, in_audit, first, 0)
    assert f"#{in_audit.pk}" not in client.get(url("audits")).content.decode()


def test_ended_assignment_gets_404(client, in_audit, first, auditor_user, office_user):
    assignment = selectors_assignment(in_audit, auditor_user)
    assignment_end(assignment=assignment, by=office_user, reason="Illness")
    client.force_login(auditor_user)
    _assert_all_404(client, in_audit, first, 0)


def selectors_assignment(application, user):
    from certification.selectors.auditors import assignment_of_auditor

    return assignment_of_auditor(user, application)


@pytest.mark.parametrize("who", ["alice", "bob", "charlie", "office_user"])
def test_company_members_outsiders_and_office_get_404(request, client, in_audit, first, who):
    client.force_login(request.getfixturevalue(who))
    _assert_all_404(client, in_audit, first, 0)
    for name in ("audits", "auditor_profile"):
        assert client.get(url(name)).status_code == 404


def test_visitor_is_sent_to_login(client, in_audit, first):
    for method, path in _audit_urls(in_audit, first.pk):
        response = getattr(client, method)(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_decided_audit_is_read_only_for_its_auditor(client, reported, auditor_user, office2):
    """The page stays (their record of work, tests/certification/test_audits_past_views.py);
    every working route of the audit is closed."""
    application_decide(application=reported, decision="grant", rationale="Conclusive.", by=office2)
    client.force_login(auditor_user)
    assert client.get(url("audit", reported.pk)).status_code == 200
    assert client.get(url("audit_summary", reported.pk)).status_code == 404
    assert client.get(url("audit_report", reported.pk)).status_code == 404


# --- the list and the profile -------------------------------------------------------------


def test_list_shows_active_assignments_with_progress(lead_client, in_audit, first, auditor_user):
    score(in_audit, first, Rating.FULFILLED, auditor_user)
    html = lead_client.get(url("audits")).content.decode()
    assert url("audit", in_audit.pk) in html
    assert "Alpha" in html
    assert "Lead auditor" in html
    assert f"1/{len(criteria_of(in_audit))}" in html


def test_list_queries_do_not_grow(
    lead_client, in_audit, beta, beta_signee, charlie, office_user, lead, alice
):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert lead_client.get(url("audits")).status_code == 200
        return len(ctx)

    one = count()
    ApplicationFactory(
        organization=beta, created_by=charlie, in_audit=True, office=office_user, lead=lead
    )
    assert count() == one
    assert one <= 12


def test_profile_shows_the_qualifications_the_office_approved(client, auditor_user, lead):
    """Applying and withdrawing: tests/certification/test_auditors_views.py."""
    client.force_login(auditor_user)
    response = client.get(url("auditor_profile"))
    assert response.status_code == 200
    assert {s.qualification.scheme_kind for s in response.context["competence"].in_force} == {
        "organizational",
        "product",
    }
    # The self-declaration is gone: a post about qualifications is a conflict form's error.
    bad = client.post(url("auditor_profile"), {"action": "qualifications", "scheme_kinds": ["x"]})
    assert bad.status_code == 422
    assert lead.qualifications.filter(status="approved").count() == 2


def test_profile_declares_and_removes_conflicts(client, auditor_user, lead, beta):
    client.force_login(auditor_user)
    until = (timezone.localdate() + timedelta(days=90)).isoformat()
    response = client.post(
        url("auditor_profile"),
        {"action": "conflict", "organization": beta.slug, "until": until, "reason": "Ex-employer"},
    )
    assert response.status_code == 302
    conflict = AuditorConflict.objects.get(auditor=lead)
    assert conflict.organization == beta
    assert "Ex-employer" in client.get(url("auditor_profile")).content.decode()
    # By name too; an unknown one or a date in the past is a form error, nothing written.
    unknown = client.post(url("auditor_profile"), {"action": "conflict", "organization": "nope"})
    assert unknown.status_code == 422
    assert "No organization has this address or name." in unknown.content.decode()
    past = client.post(
        url("auditor_profile"),
        {"action": "conflict", "organization": "Beta", "until": "2001-01-01"},
    )
    assert past.status_code == 422
    assert AuditorConflict.objects.count() == 1
    assert client.post(url("conflict_remove", conflict.pk)).status_code == 302
    assert not AuditorConflict.objects.exists()


def test_another_auditors_conflict_cannot_be_removed(client, auditor_user, lead, co, beta):
    theirs = auditor_conflict_declare(auditor=co, organization=beta, by=co.user)
    client.force_login(auditor_user)
    assert client.post(url("conflict_remove", theirs.pk)).status_code == 404
    assert client.get(url("conflict_remove", theirs.pk)).status_code == 405
    assert AuditorConflict.objects.filter(pk=theirs.pk).exists()


# --- the scoring page ---------------------------------------------------------------------


def test_page_groups_criteria_with_answers_evidence_and_htmx_config(
    lead_client, in_audit, first, alice
):
    with scope(organization=in_audit.organization):
        Evidence.objects.create(
            application=in_audit, criterion=first, url="https://example.org/handbook", title="HB"
        )
    response = lead_client.get(url("audit", in_audit.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="htmx-config"' in html
    assert '"code":"409","swap":true' in html
    assert "scoring.js" in html
    assert f'id="c-{first.pk}"' in html
    assert f'id="area-{first.area_id}"' in html
    assert "As documented in our handbook." in html
    assert 'href="https://example.org/handbook"' in html
    assert 'hx-trigger="change, keyup changed delay:800ms, submit"' in html
    assert 'hx-trigger="scoreSaved from:body"' in html
    assert f'id="v-{first.pk}" value="0"' in html
    assert "Keyboard shortcuts" in html
    # "not applicable" is offered only where the criterion allows it.
    offered = html.count('value="not_applicable"')
    assert offered == sum(1 for c in criteria_of(in_audit) if c.na_allowed)


def test_product_page_shows_categories(
    client, alpha, alice, auditor_user, lead, office_user, in_audit
):
    organizational_grant_record(
        organization=alpha, reference="ORG-1", valid_until=date(2030, 1, 1), by=office_user
    )
    product = ApplicationFactory(
        organization=alpha,
        kind=SchemeKind.PRODUCT,
        created_by=alice,
        in_audit=True,
        office=office_user,
        lead=lead,
    )
    client.force_login(auditor_user)
    html = client.get(url("audit", product.pk)).content.decode()
    assert "Interoperability" in html
    assert "(category)" in html


def test_autosave_saves_and_swaps_only_the_feedback(lead_client, in_audit, first, auditor_user):
    response = lead_client.post(
        save_url(in_audit, first), {"rating": "fulfilled", "rationale": "", "version": 0}, **HX
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "scoreSaved"
    html = response.content.decode()
    assert f'id="v-{first.pk}" value="1" hx-swap-oob="true"' in html
    assert "Saved at" in html
    assert "<textarea" not in html  # never overwrite what the auditor is typing
    saved = current(in_audit, first)
    assert (saved.rating, saved.version, saved.updated_by) == ("fulfilled", 1, auditor_user)
    # The next save is based on the new version.
    again = lead_client.post(
        save_url(in_audit, first),
        {"rating": "partially", "rationale": "Only half.", "version": 1},
        **HX,
    )
    assert again.status_code == 200
    assert current(in_audit, first).version == 2
    assert changes(in_audit) == 2


def test_summary_refreshes_with_the_scores(lead_client, in_audit, first, auditor_user):
    total = len(criteria_of(in_audit))
    before = lead_client.get(url("audit_summary", in_audit.pk)).content.decode()
    assert f"0 of {total} criteria scored" in before
    assert "Pass rule not met" in before
    score_all(in_audit, auditor_user)
    after = lead_client.get(url("audit_summary", in_audit.pk)).content.decode()
    assert f"{total} of {total} criteria scored" in after
    assert "Pass rule met" in after


def test_stale_version_is_refused_with_both_values_and_nothing_written(
    lead_client, in_audit, first, auditor_user
):
    score(in_audit, first, Rating.PARTIALLY, auditor_user, rationale="Saved in another tab.")
    before = changes(in_audit)
    response = lead_client.post(
        save_url(in_audit, first),
        {"rating": "not_fulfilled", "rationale": "Typed here.", "version": 0},
        **HX,
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Typed here." in html and "Saved in another tab." in html
    assert "Not fulfilled" in html and "Partially fulfilled" in html
    assert "Arne Auditor" in html or "auditor@example.org" in html
    assert 'name="keep_version" value="1"' in html
    assert "Take the saved one" in html
    assert "hx-swap-oob" not in html  # the stale version stays in the form
    assert "HX-Trigger" not in response
    saved = current(in_audit, first)
    assert (saved.rating, saved.rationale, saved.version) == (
        "partially",
        "Saved in another tab.",
        1,
    )
    assert changes(in_audit) == before


def test_co_auditor_conflict_and_keep_mine(client, in_audit, first, with_co, co_user, auditor_user):
    score(in_audit, first, Rating.NOT_FULFILLED, co_user, rationale="Co saw a gap.")
    client.force_login(auditor_user)
    data = {"rating": "fulfilled", "rationale": "", "version": 0}
    conflict = client.post(save_url(in_audit, first), data, **HX)
    assert conflict.status_code == 409
    assert "Cora Co-Auditor" in conflict.content.decode()
    assert current(in_audit, first).updated_by == co_user
    # "Keep mine": the same values on top of the version saved in between.
    kept = client.post(save_url(in_audit, first), {**data, "keep_version": 1}, **HX)
    assert kept.status_code == 200
    saved = current(in_audit, first)
    assert (saved.rating, saved.version, saved.updated_by) == ("fulfilled", 2, auditor_user)


def test_co_auditor_can_score(client, in_audit, first, with_co, co_user):
    client.force_login(co_user)
    response = client.post(save_url(in_audit, first), {"rating": "fulfilled", "version": 0}, **HX)
    assert response.status_code == 200
    assert current(in_audit, first).updated_by == co_user


def test_not_applicable_only_where_allowed(lead_client, in_audit):
    criteria = criteria_of(in_audit)
    strict = next(c for c in criteria if not c.na_allowed)
    data = {"rating": "not_applicable", "rationale": "Not relevant.", "version": 0}
    refused = lead_client.post(save_url(in_audit, strict), data, **HX)
    assert refused.status_code == 422
    assert "cannot be rated not applicable" in refused.content.decode()
    assert current(in_audit, strict).version == 0
    loose = criteria[1]
    AssessmentCriterion.objects.filter(pk=loose.pk).update(na_allowed=True)
    assert lead_client.post(save_url(in_audit, loose), data, **HX).status_code == 200
    assert current(in_audit, loose).rating == "not_applicable"


def test_missing_rationale_is_422_in_the_feedback(lead_client, in_audit, first):
    response = lead_client.post(
        save_url(in_audit, first), {"rating": "partially", "rationale": "  ", "version": 0}, **HX
    )
    assert response.status_code == 422
    assert "A rationale is required unless the criterion is fulfilled." in response.content.decode()
    assert current(in_audit, first).version == 0
    assert changes(in_audit) == 0


@pytest.mark.parametrize(
    "data",
    [
        {"rating": "fulfilled"},
        {"rating": "fulfilled", "version": "x"},
        {"rating": "great", "version": 0},
    ],
)
def test_bad_input_is_422_not_500(lead_client, in_audit, first, data):
    response = lead_client.post(save_url(in_audit, first), data, **HX)
    assert response.status_code == 422
    assert changes(in_audit) == 0


def test_criterion_of_another_scheme_is_refused(lead_client, in_audit):
    with scopes_disabled():
        product = AssessmentScheme.objects.get(version=in_audit.scheme.version, kind="product")
    foreign = AssessmentCriterion.objects.filter(scheme=product).first()
    for extra in (HX, {}):
        response = lead_client.post(
            save_url(in_audit, foreign), {"rating": "fulfilled", "version": 0}, **extra
        )
        assert response.status_code == 404
    with scopes_disabled():
        assert not Score.objects.filter(criterion=foreign).exists()
    assert changes(in_audit) == 0


def test_scoring_closed_after_the_report(client, reported, auditor_user):
    client.force_login(auditor_user)
    criterion = criteria_of(reported)[0]
    html = client.get(url("audit", reported.pk)).content.decode()
    assert "scores can no longer be changed" in html
    assert "score-form" not in html
    response = client.post(
        save_url(reported, criterion), {"rating": "partially", "rationale": "x", "version": 1}, **HX
    )
    assert response.status_code == 422
    assert current(reported, criterion).rating == "fulfilled"


# --- without JavaScript -------------------------------------------------------------------


def test_plain_post_redirects_to_the_row_with_a_message(lead_client, in_audit, first):
    response = lead_client.post(
        save_url(in_audit, first),
        {"rating": "fulfilled", "rationale": "", "version": 0, "shall": "1", "evil": "x"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url('audit', in_audit.pk)}?shall=1#c-{first.pk}"
    page = lead_client.get(response["Location"])
    assert f"The score of {first.code} is saved." in page.content.decode()
    assert current(in_audit, first).version == 1


def test_plain_post_conflict_renders_the_page_with_both_values(
    lead_client, in_audit, first, auditor_user
):
    score(in_audit, first, Rating.PARTIALLY, auditor_user, rationale="The saved one.")
    response = lead_client.post(
        save_url(in_audit, first), {"rating": "not_fulfilled", "rationale": "Mine.", "version": 0}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "<h1>" in html and "The saved one." in html and "Mine." in html
    assert 'name="keep_version" value="1"' in html
    kept = lead_client.post(
        save_url(in_audit, first),
        {"rating": "not_fulfilled", "rationale": "Mine.", "version": 0, "keep_version": 1},
    )
    assert kept.status_code == 302
    assert current(in_audit, first).rationale == "Mine."


def test_plain_post_invalid_keeps_what_was_typed(lead_client, in_audit, first):
    response = lead_client.post(
        save_url(in_audit, first), {"rating": "not_fulfilled", "rationale": "", "version": 0}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "A rationale is required" in html
    assert 'value="not_fulfilled" data-key="3" checked' in html


# --- filters ------------------------------------------------------------------------------


def test_filters(lead_client, in_audit, auditor_user):
    criteria = criteria_of(in_audit)
    done = criteria[0]
    score(in_audit, done, Rating.FULFILLED, auditor_user)
    page = lead_client.get(url("audit", in_audit.pk), {"unscored": "1"}).content.decode()
    assert f'id="c-{done.pk}"' not in page
    assert all(f'id="c-{c.pk}"' in page for c in criteria[1:])

    page = lead_client.get(url("audit", in_audit.pk), {"shall": "1"}).content.decode()
    for c in criteria:
        assert (f'id="c-{c.pk}"' in page) == (c.obligation == Obligation.SHALL)

    flagged = criteria[2]
    finding_raise(
        objective_evidence="Seen during the audit.",
        application=in_audit,
        kind="observation",
        criterion_ids=[flagged.pk],
        description="Worth a look.",
        by=auditor_user,
    )
    page = lead_client.get(url("audit", in_audit.pk), {"findings": "1"}).content.decode()
    assert f'id="c-{flagged.pk}"' in page
    assert sum(f'id="c-{c.pk}"' in page for c in criteria) == 1
    assert "Worth a look." in page
    # The summary is of the whole audit, whatever the filter.
    assert f"1 of {len(criteria)} criteria scored" in page


# --- findings -----------------------------------------------------------------------------


def test_findings_flow(lead_client, in_audit, first, alice):
    form = lead_client.get(url("finding_new", in_audit.pk), {"criterion": first.pk})
    assert form.status_code == 200
    assert f'value="{first.pk}" selected' in form.content.decode()
    response = lead_client.post(
        url("finding_new", in_audit.pk),
        {
            "kind": "major",
            "criteria": [first.pk],
            "description": "No interface owner.",
            "objective_evidence": "The org chart names nobody.",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        finding = Finding.objects.get()
        assert list(finding.criteria.all()) == [first]
    assert finding.kind == "major" and finding.due_date is not None
    page = lead_client.get(url("audit", in_audit.pk)).content.decode()
    assert "No interface owner." in page
    assert "1 major nonconformity is still open." in page

    # A nonconformity closes only after the company's answer.
    lead_client.post(url("finding_close", in_audit.pk, finding.pk), {"note": "ok"})
    refresh(finding)
    assert finding.status == FindingStatus.OPEN
    finding_answer(**answer_fields(), finding=finding, corrective_action="Owner named.", by=alice)
    lead_client.post(url("finding_reopen", in_audit.pk, finding.pk), {"note": "Not enough."})
    refresh(finding)
    assert finding.status == FindingStatus.OPEN
    finding_answer(
        **answer_fields(), finding=finding, corrective_action="Owner named, signed.", by=alice
    )
    closed = lead_client.post(
        url("finding_close", in_audit.pk, finding.pk), {"note": "Checked the org chart."}
    )
    assert closed.status_code == 302
    refresh(finding)
    assert finding.status == FindingStatus.CLOSED


def test_finding_with_a_foreign_criterion_is_refused(lead_client, in_audit):
    with scopes_disabled():
        product = AssessmentScheme.objects.get(version=in_audit.scheme.version, kind="product")
    foreign = AssessmentCriterion.objects.filter(scheme=product).first()
    response = lead_client.post(
        url("finding_new", in_audit.pk),
        {"kind": "minor", "criteria": [foreign.pk], "description": "x"},
    )
    assert response.status_code == 422
    with scopes_disabled():
        assert not Finding.objects.exists()


def test_finding_of_another_audit_is_404(lead_client, in_audit, first, auditor_user):
    assert (
        lead_client.post(url("finding_close", in_audit.pk, 9999), {"note": "x"}).status_code == 404
    )


def test_lead_requests_corrections_and_resumes(lead_client, in_audit, first, auditor_user):
    lead_client.post(url("request_corrections", in_audit.pk))
    refresh(in_audit)
    assert in_audit.status == ApplicationStatus.AUDIT  # no open nonconformity
    finding_raise(
        objective_evidence="Seen during the audit.",
        application=in_audit,
        kind="minor",
        criterion_ids=[first.pk],
        description="Gap.",
        by=auditor_user,
    )
    lead_client.post(url("request_corrections", in_audit.pk))
    refresh(in_audit)
    assert in_audit.status == ApplicationStatus.CORRECTIVE_ACTIONS
    assert "Resume the audit" in lead_client.get(url("audit", in_audit.pk)).content.decode()
    lead_client.post(url("resume_audit", in_audit.pk))
    refresh(in_audit)
    assert in_audit.status == ApplicationStatus.AUDIT


def test_co_auditor_cannot_request_corrections(client, in_audit, first, with_co, co_user):
    finding_raise(
        objective_evidence="Seen during the audit.",
        application=in_audit,
        kind="minor",
        criterion_ids=[first.pk],
        description="Gap.",
        by=co_user,
    )
    client.force_login(co_user)
    html = client.get(url("audit", in_audit.pk)).content.decode()
    assert "Request corrective actions" not in html
    response = client.post(url("request_corrections", in_audit.pk), follow=True)
    assert "Only the lead auditor can do this." in response.content.decode()
    refresh(in_audit)
    assert in_audit.status == ApplicationStatus.AUDIT


# --- the report ---------------------------------------------------------------------------


def test_report_refusals_then_submit(lead_client, in_audit, auditor_user):
    page = lead_client.get(url("audit_report", in_audit.pk))
    assert page.status_code == 200
    assert "Pass-rule breakdown" in page.content.decode()
    data = {"recommendation": "grant", "summary": "All good."}
    incomplete = lead_client.post(url("audit_report", in_audit.pk), data)
    assert incomplete.status_code == 422
    assert "Score every criterion before submitting the report." in incomplete.content.decode()

    criteria = criteria_of(in_audit)
    shall = next(c for c in criteria if c.obligation == Obligation.SHALL)
    for criterion in criteria:
        rating = Rating.NOT_FULFILLED if criterion == shall else Rating.FULFILLED
        score(in_audit, criterion, rating, auditor_user)
    failing = lead_client.post(url("audit_report", in_audit.pk), data)
    assert failing.status_code == 422
    assert "A grant cannot be recommended while the pass rule fails" in failing.content.decode()
    refresh(in_audit)
    assert in_audit.status == ApplicationStatus.AUDIT

    score(in_audit, shall, Rating.FULFILLED, auditor_user)
    no_plan = lead_client.post(url("audit_report", in_audit.pk), data)
    assert no_plan.status_code == 422
    assert "Send the audit plan to the company" in no_plan.content.decode()
    send_plan(in_audit, auditor_user)  # the report waits for a plan sent (plans)
    done = lead_client.post(url("audit_report", in_audit.pk), data)
    assert done.status_code == 302
    refresh(in_audit)
    assert in_audit.status == ApplicationStatus.REPORT_SUBMITTED
    assert in_audit.recommendation == "grant"
    assert "All good." in lead_client.get(url("audit_report", in_audit.pk)).content.decode()


def test_co_auditor_sees_the_breakdown_but_cannot_submit(client, in_audit, with_co, co_user):
    client.force_login(co_user)
    html = client.get(url("audit_report", in_audit.pk)).content.decode()
    assert "Only the lead auditor submits the report." in html
    response = client.post(
        url("audit_report", in_audit.pk), {"recommendation": "deny", "summary": "x"}
    )
    assert response.status_code == 422
    refresh(in_audit)
    assert in_audit.status == ApplicationStatus.AUDIT


# --- declining ----------------------------------------------------------------------------


def test_decline_with_a_reason(lead_client, in_audit, auditor_user):
    assert lead_client.get(url("audit_decline", in_audit.pk)).status_code == 200
    empty = lead_client.post(url("audit_decline", in_audit.pk), {"reason": " "})
    assert empty.status_code == 422
    response = lead_client.post(url("audit_decline", in_audit.pk), {"reason": "Overbooked."})
    assert response.status_code == 302
    assert response["Location"] == url("audits")
    with scopes_disabled():
        assignment = AuditorAssignment.objects.get(application=in_audit, role="lead")
    assert assignment.status == AssignmentStatus.DECLINED
    assert assignment.reason == "Overbooked."
    assert lead_client.get(url("audit", in_audit.pk)).status_code == 404


# --- query budget -------------------------------------------------------------------------


def _audit_of_size(n, organization, lead, by):
    """An application in audit on a scheme of `n` criteria, with answers, evidence, findings."""
    version = build_version(f"q-{n}", n, status="published")
    scheme = AssessmentScheme.objects.get(version=version, kind="organizational")
    criteria = list(AssessmentCriterion.objects.filter(scheme=scheme))
    with scope(organization=organization):
        application = Application.objects.create(
            organization=organization,
            kind="organizational",
            scheme=scheme,
            status=ApplicationStatus.AUDIT,
            scope_description="All",
            window_start=date(2027, 1, 1),
            window_end=date(2027, 1, 31),
        )
        AuditorAssignment.objects.create(application=application, auditor=lead, role="lead")
        SelfAssessmentAnswer.objects.bulk_create(
            SelfAssessmentAnswer(application=application, criterion=c, status="implemented")
            for c in criteria
        )
        Evidence.objects.bulk_create(
            Evidence(application=application, criterion=c, url=f"https://e.example/{c.pk}")
            for c in criteria[::3]
        )
        Score.objects.bulk_create(
            Score(
                application=application,
                criterion=c,
                rating="fulfilled" if i % 2 else "",
                version=1 if i % 2 else 0,
                updated_by=by if i % 2 else None,
            )
            for i, c in enumerate(criteria)
        )
        for c in criteria[:5]:
            finding = Finding.objects.create(
                application=application, kind="observation", description="Look.", raised_by=by
            )
            finding.criteria.set([c, criteria[-1]])
    return application, criteria


def _count(client, path, **extra):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, **extra)
    assert response.status_code == 200
    return len(ctx), response


# 15, and two for the rows' badges: clarification requests and working papers per criterion.
PAGE_QUERIES = 17


def test_scoring_page_queries_are_fixed_for_30_and_150_criteria(
    client, alpha, auditor_user, lead, django_assert_max_num_queries
):
    small, _ = _audit_of_size(30, alpha, lead, auditor_user)
    large, _ = _audit_of_size(150, alpha, lead, auditor_user)
    client.force_login(auditor_user)
    n_small, _ = _count(client, url("audit", small.pk))
    n_large, response = _count(client, url("audit", large.pk))
    print(f"scoring page: {n_small} queries (30 criteria), {n_large} (150 criteria)")
    assert response.content.decode().count("data-score-row") == 150
    assert n_small == n_large
    with django_assert_max_num_queries(PAGE_QUERIES):
        client.get(url("audit", large.pk))
    n_filtered, _ = _count(client, url("audit", large.pk), data={"unscored": "1"})
    assert n_filtered == n_large
    n_summary, _ = _count(client, url("audit_summary", large.pk))
    assert n_summary <= 12


# The whole request: session, user, two permission reads (the MFA check asks whether the
# user is office), the auditor profile, the authenticator (6, the floor of every page), the
# audit lookup (1) and the service (4: lock, update, history, activity log).
SAVE_REQUEST_QUERIES = 11


def test_autosave_queries(client, alpha, auditor_user, lead, django_assert_max_num_queries):
    application, criteria = _audit_of_size(150, alpha, lead, auditor_user)
    unscored = criteria[0]
    with django_assert_max_num_queries(5):
        score_save(
            application_id=application.pk,
            criterion_id=unscored.pk,
            rating="fulfilled",
            rationale="",
            expected_version=0,
            by=auditor_user,
        )
    client.force_login(auditor_user)
    client.get(url("audits"))  # the session is warm, as it is while scoring
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(
            save_url(application, unscored),
            {"rating": "partially", "rationale": "Half.", "version": 1},
            **HX,
        )
    assert response.status_code == 200
    assert len(ctx) <= SAVE_REQUEST_QUERIES, [q["sql"] for q in ctx.captured_queries]
