"""The auditor's work: version-guarded scores, findings and corrective actions, the report."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import (
    Application,
    ApplicationStatus,
    AssignmentStatus,
    AuditorAssignment,
    Finding,
    FindingStatus,
    Score,
    ScoreChange,
)
from certification.selectors.audits import score_history
from certification.services.auditors import assignment_end, auditor_assign
from certification.services.audits import (
    ScoreConflict,
    audit_request_corrections,
    audit_resume,
    report_submit,
    score_save,
)
from certification.services.findings import (
    finding_answer,
    finding_close,
    finding_raise,
    finding_send_back,
    finding_verify,
)
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.documents.models import Document, DocumentStatus
from cpo_portal.errors import DomainError, TransitionNotAllowed
from criteria.models import AssessmentCriterion
from tests.certification.helpers import answer_fields

from .helpers import criteria_of, plan_for_report, score, score_all, send_plan, set_status

pytestmark = pytest.mark.django_db

S = ApplicationStatus


def save(application, criterion, user, *, version, rating="fulfilled", rationale=""):
    return score_save(
        application_id=application.pk,
        criterion_id=getattr(criterion, "pk", criterion),
        rating=rating,
        rationale=rationale,
        expected_version=version,
        by=user,
    )


def current(application, criterion):
    with scopes_disabled():
        return Score.objects.get(application=application, criterion=criterion)


def changes(application):
    with scopes_disabled():
        return ScoreChange.objects.filter(score__application=application).count()


def unchanged(application, criterion, expected):
    """Nothing was written: same score row, no new history."""
    score_now = current(application, criterion)
    assert (score_now.rating, score_now.rationale, score_now.version) == expected[:3]
    assert changes(application) == expected[3]


def snapshot(application, criterion):
    s = current(application, criterion)
    return (s.rating, s.rationale, s.version, changes(application))


@pytest.fixture
def criterion(in_audit):
    # One that needs no evidence: rating it fulfilled is a plain save (evidence required:
    # see the tests of `without_evidence` below).
    return next(c for c in criteria_of(in_audit, "should") if not c.evidence_required)


@pytest.fixture
def with_co(in_audit, co, office_user):
    auditor_assign(application=in_audit, auditor=co, role="co", by=office_user)
    return in_audit


# --- Scores ---------------------------------------------------------------------------------


@pytest.mark.through_services  # the rows self_assessment_submit writes
def test_score_rows_exist_for_every_criterion_once_the_audit_starts(in_audit):
    with scopes_disabled():
        scores = Score.objects.filter(application=in_audit)
        assert scores.count() == len(criteria_of(in_audit))
        assert set(scores.values_list("version", "rating")) == {(0, "")}


def test_save_bumps_the_version_and_keeps_the_change(in_audit, criterion, auditor_user):
    saved = save(in_audit, criterion, auditor_user, version=0, rating="partially", rationale="Half")

    assert (saved.rating, saved.rationale, saved.version) == ("partially", "Half", 1)
    assert saved.updated_by == auditor_user and saved.updated_at is not None
    with scopes_disabled():
        change = ScoreChange.objects.get(score=saved)
        entry = ActivityEntry.objects.filter(verb="certification.scored").get()
    assert (change.version, change.rating, change.rationale) == (1, "partially", "Half")
    assert change.by == auditor_user and change.at == saved.updated_at
    assert entry.data["criterion"] == criterion.code
    assert entry.data["before"] == {"rating": "", "rationale": "", "version": 0}
    assert entry.data["after"] == {"rating": "partially", "version": 1}


def test_every_score_change_is_kept_with_who_and_when(
    with_co, criterion, auditor_user, co_user, office_user
):
    save(with_co, criterion, auditor_user, version=0, rating="not_fulfilled", rationale="No")
    save(with_co, criterion, co_user, version=1, rating="partially", rationale="Some")
    save(with_co, criterion, auditor_user, version=2, rating="fulfilled")

    history = score_history(with_co)

    assert [(c.version, c.rating, c.by) for c in history] == [
        (3, "fulfilled", auditor_user),
        (2, "partially", co_user),
        (1, "not_fulfilled", auditor_user),
    ]
    assert all(c.at is not None for c in history)
    assert history[0].score.criterion == criterion


def test_two_saves_from_the_same_version_second_is_refused(in_audit, criterion, auditor_user):
    save(in_audit, criterion, auditor_user, version=0, rating="partially", rationale="First tab")
    before = snapshot(in_audit, criterion)

    with pytest.raises(ScoreConflict) as caught:
        save(in_audit, criterion, auditor_user, version=0, rating="fulfilled", rationale="Second")

    conflict = caught.value
    assert conflict.code == "stale_version"
    assert (conflict.current.rating, conflict.current.rationale) == ("partially", "First tab")
    assert conflict.current.version == 1
    assert conflict.current.updated_by == auditor_user
    unchanged(in_audit, criterion, before)
    assert before[2:] == (1, 1)


def test_co_auditor_conflicting_save_is_refused_with_the_leads_values(
    with_co, criterion, auditor_user, co_user
):
    save(with_co, criterion, auditor_user, version=0, rating="not_fulfilled", rationale="Lead")
    before = snapshot(with_co, criterion)

    with pytest.raises(ScoreConflict) as caught:
        save(with_co, criterion, co_user, version=0, rating="fulfilled")

    assert caught.value.current.rating == "not_fulfilled"
    assert caught.value.current.updated_by == auditor_user
    assert "Arne Auditor" in caught.value.message
    unchanged(with_co, criterion, before)


@pytest.mark.parametrize("version", [0, 2, 7, "2"])
def test_stale_or_future_version_is_refused(version, in_audit, criterion, auditor_user):
    save(in_audit, criterion, auditor_user, version=0)
    before = snapshot(in_audit, criterion)

    with pytest.raises(ScoreConflict):
        save(in_audit, criterion, auditor_user, version=version, rating="partially", rationale="x")
    unchanged(in_audit, criterion, before)


def test_version_as_a_string_of_the_current_number_is_accepted(in_audit, criterion, auditor_user):
    assert save(in_audit, criterion, auditor_user, version="0").version == 1


@pytest.mark.parametrize("version", [None, "", "abc", "1.5", [], object()])
def test_missing_or_non_integer_version_is_refused(version, in_audit, criterion, auditor_user):
    before = snapshot(in_audit, criterion)

    with pytest.raises(DomainError) as caught:
        save(in_audit, criterion, auditor_user, version=version)
    assert caught.value.code == "stale_version"
    unchanged(in_audit, criterion, before)


def test_criterion_of_another_scheme_is_refused(in_audit, auditor_user):
    with scopes_disabled():
        foreign = AssessmentCriterion.objects.exclude(scheme_id=in_audit.scheme_id).first()

    with pytest.raises(DomainError) as caught:
        save(in_audit, foreign, auditor_user, version=0)
    assert caught.value.code == "wrong_scheme"
    assert changes(in_audit) == 0
    with scopes_disabled():
        assert not Score.objects.filter(criterion=foreign).exists()


@pytest.mark.parametrize("criterion_id", [None, "", "abc", 10**9])
def test_unknown_criterion_is_refused(criterion_id, in_audit, auditor_user):
    with pytest.raises(DomainError) as caught:
        save(in_audit, criterion_id, auditor_user, version=0)
    assert caught.value.code == "wrong_scheme"


@pytest.mark.parametrize(
    ("application_id", "code"),
    [(None, "wrong_scheme"), ("abc", "wrong_scheme"), (10**9, "not_assigned")],
)
def test_unknown_application_is_refused(application_id, code, in_audit, criterion, auditor_user):
    with pytest.raises(DomainError) as caught:
        score_save(
            application_id=application_id,
            criterion_id=criterion.pk,
            rating="fulfilled",
            rationale="",
            expected_version=0,
            by=auditor_user,
        )
    assert caught.value.code == code
    assert changes(in_audit) == 0


@pytest.mark.parametrize("who", ["co_user", "office_user", "alice", "charlie"])
def test_scoring_by_someone_not_assigned_is_refused(who, request, in_audit, co, criterion):
    before = snapshot(in_audit, criterion)

    with pytest.raises(DomainError) as caught:
        save(in_audit, criterion, request.getfixturevalue(who), version=0)
    assert caught.value.code == "not_assigned"
    unchanged(in_audit, criterion, before)


def test_scoring_by_an_auditor_whose_assignment_ended_is_refused(
    with_co, criterion, co, co_user, office_user
):
    with scopes_disabled():
        assignment = AuditorAssignment.objects.get(application=with_co, auditor=co)
    assignment_end(assignment=assignment, by=office_user, reason="Replaced.")

    with pytest.raises(DomainError) as caught:
        save(with_co, criterion, co_user, version=0)
    assert caught.value.code == "not_assigned"


@pytest.mark.parametrize("state", [S.SELF_ASSESSMENT, S.REPORT_SUBMITTED, S.DECIDED, S.WITHDRAWN])
def test_scoring_outside_the_audit_states_is_refused(state, in_audit, criterion, auditor_user):
    set_status(in_audit, state)
    before = snapshot(in_audit, criterion)

    with pytest.raises(TransitionNotAllowed):
        save(in_audit, criterion, auditor_user, version=0)
    unchanged(in_audit, criterion, before)


def test_scoring_during_corrective_actions_is_allowed(in_audit, criterion, auditor_user):
    set_status(in_audit, S.CORRECTIVE_ACTIONS)

    assert save(in_audit, criterion, auditor_user, version=0).version == 1


def test_scoring_before_the_audit_starts_is_refused(assigned, auditor_user):
    with pytest.raises(TransitionNotAllowed):
        save(assigned, criteria_of(assigned)[0], auditor_user, version=0)


@pytest.mark.parametrize(
    ("rating", "rationale", "code"),
    [
        ("", "", "rating"),
        ("excellent", "", "rating"),
        ("not_applicable", "Does not apply", "rating"),  # this criterion does not allow it
        ("partially", "", "rationale"),
        ("not_fulfilled", "   ", "rationale"),
        ("not_fulfilled", "x" * 10001, "rationale"),
    ],
)
def test_bad_rating_or_rationale_is_refused(
    rating, rationale, code, in_audit, criterion, auditor_user
):
    assert not criterion.na_allowed
    before = snapshot(in_audit, criterion)

    with pytest.raises(DomainError) as caught:
        save(in_audit, criterion, auditor_user, version=0, rating=rating, rationale=rationale)
    assert caught.value.code == code
    unchanged(in_audit, criterion, before)


def test_not_applicable_where_allowed_needs_a_rationale(in_audit, auditor_user):
    criterion = next(c for c in criteria_of(in_audit) if c.na_allowed)

    with pytest.raises(DomainError):
        save(in_audit, criterion, auditor_user, version=0, rating="not_applicable")
    saved = save(
        in_audit, criterion, auditor_user, version=0, rating="not_applicable", rationale="No API"
    )
    assert saved.rating == "not_applicable"


def test_a_refusal_leaves_an_outer_transaction_usable(in_audit, criterion, auditor_user):
    from django.db import transaction

    with transaction.atomic():
        with pytest.raises(DomainError):
            save(in_audit, criterion, auditor_user, version="x")
        # Still usable: the next statement runs and commits.
        assert save(in_audit, criterion, auditor_user, version=0).version == 1
    assert current(in_audit, criterion).version == 1


def test_autosave_costs_at_most_five_queries(
    in_audit, criterion, auditor_user, django_assert_max_num_queries
):
    # warm caches (a rating that needs no evidence)
    save(
        in_audit,
        criteria_of(in_audit)[0],
        auditor_user,
        version=0,
        rating="partially",
        rationale="Warm",
    )
    with django_assert_max_num_queries(5):
        save(in_audit, criterion, auditor_user, version=0, rating="partially", rationale="Half")
    with django_assert_max_num_queries(5):
        save(in_audit, criterion, auditor_user, version=1, rating="fulfilled")


def test_a_refused_autosave_is_cheap_too(
    in_audit, criterion, auditor_user, django_assert_max_num_queries
):
    save(in_audit, criterion, auditor_user, version=0)
    with django_assert_max_num_queries(5), pytest.raises(ScoreConflict):
        save(in_audit, criterion, auditor_user, version=0)


# --- Findings -------------------------------------------------------------------------------


def raise_finding(application, user, kind="major", *, criteria=None, due_date=None, text="Gap"):
    criteria = criteria if criteria is not None else [criteria_of(application)[0].pk]
    return finding_raise(
        objective_evidence="Seen during the audit.",
        application=application,
        kind=kind,
        criterion_ids=criteria,
        description=text,
        due_date=due_date,
        by=user,
    )


def findings_count():
    with scopes_disabled():
        return Finding.objects.count()


@pytest.mark.parametrize("kind", ["major", "minor"])
def test_nonconformity_gets_a_due_date_and_tells_the_company(
    kind, in_audit, auditor_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        finding = raise_finding(in_audit, auditor_user, kind)

    assert finding.status == FindingStatus.OPEN
    assert finding.due_date == timezone.localdate() + timedelta(days=30)
    assert finding.raised_by == auditor_user
    assert list(finding.criteria.all()) == [criteria_of(in_audit)[0]]
    assert [m.to for m in mailoutbox] == [["alice@example.org"]]


@pytest.mark.parametrize("kind", ["observation", "improvement"])
def test_observations_have_no_due_date_and_send_nothing(
    kind, in_audit, auditor_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        finding = raise_finding(
            in_audit, auditor_user, kind, due_date=timezone.localdate() + timedelta(days=3)
        )

    assert finding.due_date is None
    assert mailoutbox == []


def test_co_auditor_may_raise_findings(with_co, co_user):
    assert raise_finding(with_co, co_user, "minor").raised_by == co_user


@pytest.mark.parametrize(
    ("kind", "criteria", "text", "due_days", "message"),
    [
        ("critical", None, "Gap", None, "kind of finding"),
        ("major", None, "  ", None, "Describe"),
        ("major", [], "Gap", None, "at least one criterion"),
        ("major", ["abc"], "Gap", None, "not part of"),
        ("major", None, "Gap", -1, "past"),
    ],
)
def test_bad_findings_are_refused(kind, criteria, text, due_days, message, in_audit, auditor_user):
    due = None if due_days is None else timezone.localdate() + timedelta(days=due_days)

    with pytest.raises(DomainError, match=message):
        raise_finding(in_audit, auditor_user, kind, criteria=criteria, due_date=due, text=text)
    assert findings_count() == 0


def test_finding_tied_to_a_criterion_of_another_scheme_is_refused(in_audit, auditor_user):
    with scopes_disabled():
        foreign = AssessmentCriterion.objects.exclude(scheme_id=in_audit.scheme_id).first()

    with pytest.raises(DomainError) as caught:
        raise_finding(in_audit, auditor_user, criteria=[criteria_of(in_audit)[0].pk, foreign.pk])
    assert caught.value.code == "wrong_scheme"
    assert findings_count() == 0


@pytest.mark.parametrize("who", ["co_user", "office_user", "alice"])
def test_only_assigned_auditors_raise_findings(who, request, in_audit, co):
    with pytest.raises(DomainError, match="not assigned"):
        raise_finding(in_audit, request.getfixturevalue(who))
    assert findings_count() == 0


def test_findings_only_during_the_audit(assigned, auditor_user):
    with pytest.raises(TransitionNotAllowed):
        raise_finding(assigned, auditor_user)
    assert findings_count() == 0


@pytest.fixture
def major(in_audit, auditor_user):
    return raise_finding(in_audit, auditor_user, "major")


def test_company_answers_then_auditor_closes(
    major, alice, auditor_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answered = finding_answer(
            **answer_fields(),
            finding=major,
            corrective_action="  Interfaces documented. ",
            by=alice,
        )
    assert answered.status == FindingStatus.ANSWERED
    assert answered.corrective_action == "Interfaces documented."
    assert (answered.answered_by, answered.answered_at is not None) == (alice, True)
    assert [m.to for m in mailoutbox] == [["auditor@example.org"]]

    closed = finding_verify(finding=major, note="Checked the docs.", by=auditor_user)
    assert closed.status == FindingStatus.CLOSED
    assert (closed.closed_by, closed.verification_note) == (auditor_user, "Checked the docs.")
    with scopes_disabled():
        verbs = set(ActivityEntry.objects.values_list("verb", flat=True))
    assert {"certification.finding_answered", "certification.finding_verified"} <= verbs


def test_auditor_reopens_an_unconvincing_answer(
    major, alice, auditor_user, mailoutbox, django_capture_on_commit_callbacks
):
    finding_answer(**answer_fields(), finding=major, corrective_action="Will do.", by=alice)

    with pytest.raises(DomainError, match="Say why"):
        finding_send_back(finding=major, reason="", by=auditor_user)
    with django_capture_on_commit_callbacks(execute=True):
        reopened = finding_send_back(finding=major, reason="No evidence.", by=auditor_user)

    assert reopened.status == FindingStatus.OPEN
    assert reopened.verification_note == "No evidence."
    assert [m.to for m in mailoutbox] == [["alice@example.org"]]
    # The company may answer again.
    assert finding_answer(
        **answer_fields(), finding=major, corrective_action="Done.", by=alice
    ).status == (FindingStatus.ANSWERED)


def test_reopening_an_open_finding_is_refused(major, auditor_user):
    with pytest.raises(DomainError, match="answered finding"):
        finding_send_back(finding=major, reason="Again", by=auditor_user)


def test_closing_an_open_nonconformity_before_its_answer_is_refused(major, auditor_user):
    with pytest.raises(DomainError, match="after the company"):
        finding_verify(finding=major, note="Fine", by=auditor_user)
    major.refresh_from_db()
    assert major.status == FindingStatus.OPEN


def test_closing_a_nonconformity_needs_a_verification_note(major, alice, auditor_user):
    finding_answer(**answer_fields(), finding=major, corrective_action="Fixed.", by=alice)

    with pytest.raises(DomainError, match="verified"):
        finding_verify(finding=major, note=" ", by=auditor_user)
    major.refresh_from_db()
    assert major.status == FindingStatus.ANSWERED


def test_closing_twice_is_refused(major, alice, auditor_user):
    finding_answer(**answer_fields(), finding=major, corrective_action="Fixed.", by=alice)
    finding_verify(finding=major, note="OK", by=auditor_user)

    with pytest.raises(DomainError):
        finding_verify(finding=major, note="OK", by=auditor_user)


def test_observation_is_acknowledged_without_an_answer(in_audit, auditor_user):
    observation = raise_finding(in_audit, auditor_user, "observation")

    assert finding_close(finding=observation, note="", by=auditor_user).status == (
        FindingStatus.CLOSED
    )


@pytest.mark.parametrize("kind", ["observation", "improvement"])
def test_company_answering_an_observation_is_refused(kind, in_audit, auditor_user, alice):
    observation = raise_finding(in_audit, auditor_user, kind)

    with pytest.raises(DomainError, match="Only nonconformities"):
        finding_answer(**answer_fields(), finding=observation, corrective_action="Noted.", by=alice)
    observation.refresh_from_db()
    assert (observation.status, observation.corrective_action) == (FindingStatus.OPEN, "")


def test_answer_refusals(major, alice, bob, charlie, auditor_user):
    for user in (bob, charlie, auditor_user):
        with pytest.raises(DomainError, match="owner or admin"):
            finding_answer(**answer_fields(), finding=major, corrective_action="Fix", by=user)
    with pytest.raises(DomainError, match="Describe"):
        finding_answer(**answer_fields(), finding=major, corrective_action=" ", by=alice)
    finding_answer(**answer_fields(), finding=major, corrective_action="Fix", by=alice)
    with pytest.raises(DomainError, match="not open"):
        finding_answer(**answer_fields(), finding=major, corrective_action="Again", by=alice)


@pytest.mark.parametrize("who", ["alice", "office_user", "co_user"])
def test_only_assigned_auditors_close(who, request, major, alice, co):
    finding_answer(**answer_fields(), finding=major, corrective_action="Fixed.", by=alice)

    with pytest.raises(DomainError, match="not assigned"):
        finding_verify(finding=major, note="OK", by=request.getfixturevalue(who))
    major.refresh_from_db()
    assert major.status == FindingStatus.ANSWERED


def test_answer_refused_once_the_report_is_in(major, alice, auditor_user):
    set_status(major.application, S.REPORT_SUBMITTED)

    with pytest.raises(TransitionNotAllowed):
        finding_answer(**answer_fields(), finding=major, corrective_action="Late", by=alice)


def test_corrections_requested_by_the_lead_only(major, with_co, co_user, auditor_user):
    with pytest.raises(DomainError, match="lead auditor"):
        audit_request_corrections(application=with_co, by=co_user)

    audit_request_corrections(application=with_co, by=auditor_user)
    with_co.refresh_from_db()
    assert with_co.status == S.CORRECTIVE_ACTIONS
    with pytest.raises(DomainError, match="lead auditor"):
        audit_resume(application=with_co, by=co_user)


# --- The report -----------------------------------------------------------------------------


def report(application, user, recommendation="grant", summary="All criteria met."):
    plan_for_report(application)  # the report waits for a plan sent (plans)
    return report_submit(
        application=application, recommendation=recommendation, summary=summary, by=user
    )


def report_documents(application):
    with scopes_disabled():
        return list(
            Document.objects.filter(
                owner_type=ContentType.objects.get_for_model(Application),
                owner_id=str(application.pk),
                kind="audit_report",
            )
        )


def test_report_submitted_and_its_pdf_requested(in_audit, auditor_user):
    score_all(in_audit, auditor_user)

    submitted = report(in_audit, auditor_user)

    assert submitted.status == S.REPORT_SUBMITTED
    assert (submitted.recommendation, submitted.report_summary) == ("grant", "All criteria met.")
    assert submitted.report_submitted_by == auditor_user
    assert submitted.report_submitted_at is not None
    (document,) = report_documents(in_audit)
    assert document.status == DocumentStatus.PENDING  # rendered after commit
    assert document.organization_id == in_audit.organization_id
    with scopes_disabled():
        assignment = AuditorAssignment.objects.get(application=in_audit)
    assert assignment.status == AssignmentStatus.ACTIVE  # until the decision


def test_report_with_incomplete_scoring_is_refused(in_audit, auditor_user):
    for criterion in criteria_of(in_audit)[:-1]:
        score(in_audit, criterion, "fulfilled", auditor_user)

    with pytest.raises(DomainError) as caught:
        report(in_audit, auditor_user, recommendation="deny")
    assert caught.value.code == "incomplete"
    in_audit.refresh_from_db()
    assert in_audit.status == S.AUDIT
    assert report_documents(in_audit) == []


def test_grant_recommendation_while_failing_is_refused_deny_is_not(in_audit, auditor_user):
    score_all(in_audit, auditor_user)
    shall_one = criteria_of(in_audit, "shall")[0]
    score(in_audit, shall_one, "partially", auditor_user)

    with pytest.raises(DomainError) as caught:
        report(in_audit, auditor_user, recommendation="grant")
    assert caught.value.code == "pass_rule"
    assert shall_one.code in caught.value.message
    in_audit.refresh_from_db()
    assert (in_audit.status, in_audit.recommendation) == (S.AUDIT, "")

    assert report(in_audit, auditor_user, recommendation="deny").recommendation == "deny"


def test_open_major_blocks_a_grant_recommendation(in_audit, auditor_user):
    score_all(in_audit, auditor_user)
    raise_finding(in_audit, auditor_user, "major")

    with pytest.raises(DomainError) as caught:
        report(in_audit, auditor_user)
    assert caught.value.code == "pass_rule"


def test_co_auditor_cannot_submit_the_report(with_co, auditor_user, co_user):
    score_all(with_co, auditor_user)

    with pytest.raises(DomainError, match="lead auditor"):
        report(with_co, co_user)
    with_co.refresh_from_db()
    assert with_co.status == S.AUDIT
    assert report_documents(with_co) == []


@pytest.mark.parametrize(("recommendation", "summary"), [("maybe", "Text"), ("grant", "  ")])
def test_report_input_is_checked(recommendation, summary, in_audit, auditor_user):
    score_all(in_audit, auditor_user)

    with pytest.raises(DomainError):
        report(in_audit, auditor_user, recommendation=recommendation, summary=summary)
    in_audit.refresh_from_db()
    assert in_audit.status == S.AUDIT


def test_report_outside_the_audit_is_refused(assigned, auditor_user):
    with pytest.raises(TransitionNotAllowed):
        report(assigned, auditor_user, recommendation="deny")


def test_report_tells_office_and_company(
    in_audit, auditor_user, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    # The PDF itself is another test's subject; here only the e-mails matter.
    monkeypatch.setattr("cpo_portal.documents.services._queue", lambda document: None)
    score_all(in_audit, auditor_user)
    send_plan(in_audit, auditor_user)  # its mails are another test's subject

    with django_capture_on_commit_callbacks(execute=True):
        report(in_audit, auditor_user)

    assert sorted(sorted(m.to) for m in mailoutbox) == [
        ["alice@example.org"],
        ["office@example.org"],
    ]


# --- Evidence required (clarifications) ------------------------------------------------------


@pytest.fixture
def needs_evidence(in_audit):
    return next(c for c in criteria_of(in_audit) if c.evidence_required)


def test_fulfilled_without_evidence_is_refused_unless_confirmed(
    in_audit, needs_evidence, auditor_user
):
    with pytest.raises(DomainError) as refused:
        save(in_audit, needs_evidence, auditor_user, version=0)
    assert refused.value.code == "evidence_missing"
    unchanged(in_audit, needs_evidence, ("", "", 0, 0))
    # Confirmed, but without a rationale: still refused.
    with pytest.raises(DomainError) as refused:
        score_save(
            application_id=in_audit.pk,
            criterion_id=needs_evidence.pk,
            rating="fulfilled",
            rationale="",
            expected_version=0,
            without_evidence=True,
            by=auditor_user,
        )
    assert refused.value.code == "rationale"
    saved = score_save(
        application_id=in_audit.pk,
        criterion_id=needs_evidence.pk,
        rating="fulfilled",
        rationale="Seen working during the on-site visit.",
        expected_version=0,
        without_evidence=True,
        by=auditor_user,
    )
    assert saved.without_evidence is True and current(in_audit, needs_evidence).without_evidence
    with scopes_disabled():
        entry = ActivityEntry.objects.filter(verb="certification.scored").latest("pk")
    assert entry.data["after"]["without_evidence"] is True


def test_evidence_given_makes_the_confirmation_unneeded(
    in_audit, needs_evidence, auditor_user, alice
):
    from certification.services.self_assessment import evidence_add_link

    set_status(in_audit, "self_assessment")
    evidence_add_link(
        application=in_audit,
        url="https://alpha.example/doc",
        criterion_id=needs_evidence.pk,
        by=alice,
    )
    set_status(in_audit, "audit")
    saved = save(in_audit, needs_evidence, auditor_user, version=0)
    assert saved.rating == "fulfilled" and saved.without_evidence is False


def test_other_ratings_need_no_confirmation_and_clear_it(in_audit, needs_evidence, auditor_user):
    score_save(
        application_id=in_audit.pk,
        criterion_id=needs_evidence.pk,
        rating="fulfilled",
        rationale="Seen on site.",
        expected_version=0,
        without_evidence=True,
        by=auditor_user,
    )
    saved = save(
        in_audit, needs_evidence, auditor_user, version=1, rating="partially", rationale="Half"
    )
    assert saved.without_evidence is False
