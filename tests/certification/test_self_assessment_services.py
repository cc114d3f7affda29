"""The company's self-assessment: answers, submission, evidence links and evidence for
corrective actions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from certification.models import (
    ApplicationEvent,
    ApplicationStatus,
    Evidence,
    Score,
    SelfAssessmentAnswer,
)
from certification.services.findings import finding_answer, finding_raise, finding_verify
from certification.services.self_assessment import (
    evidence_add_file,
    evidence_add_link,
    evidence_remove,
    self_assessment_answer,
    self_assessment_submit,
)
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.errors import DomainError, TransitionNotAllowed
from criteria.models import AssessmentCriterion
from tests.certification.helpers import answer_fields

from .helpers import PDF, answer_all, criteria_of, set_status

pytestmark = pytest.mark.django_db

S = ApplicationStatus


def answer(application, criterion, user, status="implemented", explanation="See handbook."):
    return self_assessment_answer(
        application=application,
        criterion_id=getattr(criterion, "pk", criterion),
        status=status,
        explanation=explanation,
        by=user,
    )


def answers(application):
    with scopes_disabled():
        return dict(
            SelfAssessmentAnswer.objects.filter(application=application).values_list(
                "criterion__code", "status"
            )
        )


def na_criterion(application, allowed=True):
    return next(c for c in criteria_of(application) if c.na_allowed is allowed)


# --- Answers --------------------------------------------------------------------------------


def test_first_answer_opens_the_self_assessment(assigned, alice):
    criterion = criteria_of(assigned)[0]

    saved = answer(assigned, criterion, alice, explanation="  Handbook ch. 2 ")
    assigned.refresh_from_db()

    assert assigned.status == S.SELF_ASSESSMENT
    assert (saved.status, saved.explanation, saved.updated_by) == (
        "implemented",
        "Handbook ch. 2",
        alice,
    )
    with scopes_disabled():
        assert ApplicationEvent.objects.filter(
            application=assigned, action="start_self_assessment"
        ).exists()


def test_changing_an_answer_keeps_one_row_and_logs_before_and_after(assigned, alice):
    criterion = criteria_of(assigned)[0]
    answer(assigned, criterion, alice)

    answer(assigned, criterion, alice, status="partially", explanation="Only partly.")

    assert answers(assigned) == {criterion.code: "partially"}
    with scopes_disabled():
        entry = ActivityEntry.objects.filter(verb="certification.answer_saved").latest("pk")
    assert entry.data["before"] == {"status": "implemented", "explanation": "See handbook."}
    assert entry.data["after"] == {"status": "partially"}
    assert entry.data["criterion"] == criterion.code


def test_not_applicable_where_allowed_with_a_reason(assigned, alice):
    criterion = na_criterion(assigned)

    saved = answer(assigned, criterion, alice, status="not_applicable", explanation="No API.")

    assert saved.status == "not_applicable"


def test_not_applicable_needs_a_reason(assigned, alice):
    with pytest.raises(DomainError, match="Explain why"):
        answer(assigned, na_criterion(assigned), alice, status="not_applicable", explanation=" ")
    assert answers(assigned) == {}
    assigned.refresh_from_db()
    assert assigned.status == S.AUDITOR_ASSIGNED


def test_not_applicable_where_not_allowed_is_refused(assigned, alice):
    with pytest.raises(DomainError, match="cannot be declared not applicable"):
        answer(
            assigned, na_criterion(assigned, False), alice, status="not_applicable", explanation="x"
        )
    assert answers(assigned) == {}


@pytest.mark.parametrize("status", ["", "done", None])
def test_unknown_status_is_refused(status, assigned, alice):
    with pytest.raises(DomainError, match="Choose a status"):
        answer(assigned, criteria_of(assigned)[0], alice, status=status)
    assert answers(assigned) == {}


def test_criterion_of_another_scheme_is_refused(assigned, alice):
    with scopes_disabled():
        foreign = AssessmentCriterion.objects.exclude(scheme_id=assigned.scheme_id).first()

    with pytest.raises(DomainError) as caught:
        answer(assigned, foreign, alice)
    assert caught.value.code == "wrong_scheme"
    assert answers(assigned) == {}
    assigned.refresh_from_db()
    assert assigned.status == S.AUDITOR_ASSIGNED


@pytest.mark.parametrize("criterion_id", [None, "", "x", 10**9])
def test_unknown_criterion_is_refused(criterion_id, assigned, alice):
    with pytest.raises(DomainError) as caught:
        answer(assigned, criterion_id, alice)
    assert caught.value.code == "wrong_scheme"


@pytest.mark.parametrize(
    "state", [S.DRAFT, S.SUBMITTED, S.ACCEPTED, S.AUDIT, S.REPORT_SUBMITTED, S.DECIDED]
)
def test_answering_in_the_wrong_state_is_refused(state, assigned, alice):
    set_status(assigned, state)

    with pytest.raises(TransitionNotAllowed):
        answer(assigned, criteria_of(assigned)[0], alice)
    assert answers(assigned) == {}


@pytest.mark.parametrize("who", ["bob", "charlie", "auditor_user", "office_user"])
def test_only_owners_and_admins_answer(who, request, assigned):
    with pytest.raises(DomainError, match="owner or admin"):
        answer(assigned, criteria_of(assigned)[0], request.getfixturevalue(who))
    assert answers(assigned) == {}


# --- Submission ------------------------------------------------------------------------------


def test_unanswered_shall_criteria_block_submission_and_are_listed(assigned, alice):
    shall = criteria_of(assigned, "shall")
    for criterion in criteria_of(assigned):
        if criterion not in shall[-2:]:
            answer(assigned, criterion, alice)

    with pytest.raises(DomainError) as caught:
        self_assessment_submit(application=assigned, by=alice)

    assert caught.value.code == "shall_unanswered"
    for criterion in shall[-2:]:
        assert criterion.code in caught.value.message
    assert shall[0].code not in caught.value.message
    assigned.refresh_from_db()
    assert assigned.status == S.SELF_ASSESSMENT
    with scopes_disabled():
        assert not Score.objects.filter(application=assigned).exists()


def test_unanswered_should_and_may_criteria_do_not_block(assigned, alice):
    for criterion in criteria_of(assigned, "shall"):
        # Evidence required: a stated reason stands in for the evidence (tested below).
        self_assessment_answer(
            application=assigned,
            criterion_id=criterion.pk,
            status="implemented",
            explanation="See handbook.",
            no_evidence_reason="Shown on site.",
            by=alice,
        )

    self_assessment_submit(application=assigned, by=alice)
    assigned.refresh_from_db()

    assert assigned.status == S.AUDIT
    with scopes_disabled():
        assert Score.objects.filter(application=assigned).count() == len(criteria_of(assigned))


def test_submission_before_any_answer_is_refused(assigned, alice):
    with pytest.raises(TransitionNotAllowed):
        self_assessment_submit(application=assigned, by=alice)


def test_submission_twice_is_refused(in_audit, alice):
    with pytest.raises(TransitionNotAllowed):
        self_assessment_submit(application=in_audit, by=alice)


def test_submission_only_by_owners_and_admins(assigned, alice, bob):
    answer_all(assigned, alice)

    with pytest.raises(DomainError, match="owner or admin"):
        self_assessment_submit(application=assigned, by=bob)
    assigned.refresh_from_db()
    assert assigned.status == S.SELF_ASSESSMENT


# --- Evidence links and evidence for corrective actions ------------------------------------


def link(application, user, url, criterion=None, finding=None):
    return evidence_add_link(
        application=application,
        url=url,
        criterion_id=None if finding else (criterion or criteria_of(application)[0]).pk,
        finding=finding,
        title="Docs",
        by=user,
    )


def evidence_count():
    with scopes_disabled():
        return Evidence.objects.count()


@pytest.mark.parametrize("url", ["https://docs.example.org/api", "http://example.org/x?y=1"])
def test_link_evidence(url, assigned, alice):
    evidence = link(assigned, alice, f"  {url} ")

    assert evidence.url == url
    assert evidence.is_file is False
    assert str(evidence) == "Docs"


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://example.org/file", "not a url", "", "file:///etc/passwd"]
)
def test_bad_links_are_refused(url, assigned, alice):
    with pytest.raises(DomainError) as caught:
        link(assigned, alice, url)
    assert caught.value.code == "url"
    assert evidence_count() == 0


def test_links_only_by_owners_and_admins(assigned, bob):
    with pytest.raises(DomainError, match="owner or admin"):
        link(assigned, bob, "https://example.org")
    assert evidence_count() == 0


def test_criterion_evidence_cannot_be_removed_once_submitted(assigned, alice):
    evidence = link(assigned, alice, "https://example.org")
    answer_all(assigned, alice)
    self_assessment_submit(application=assigned, by=alice)

    with pytest.raises(TransitionNotAllowed):
        evidence_remove(evidence=evidence, by=alice)
    assert evidence_count() == 1


@pytest.fixture
def major(in_audit, auditor_user):
    return finding_raise(
        objective_evidence="Seen during the audit.",
        application=in_audit,
        kind="major",
        criterion_ids=[criteria_of(in_audit)[0].pk],
        description="Gap",
        by=auditor_user,
    )


def test_company_backs_a_corrective_action_with_evidence(in_audit, major, alice):
    linked = link(in_audit, alice, "https://example.org/fix", finding=major)
    filed = evidence_add_file(
        application=in_audit,
        upload=SimpleUploadedFile("fix.pdf", PDF),
        finding=major,
        by=alice,
    )

    assert (linked.finding, linked.criterion) == (major, None)
    assert filed.finding == major
    evidence_remove(evidence=linked, by=alice)  # still possible during the audit
    assert evidence_count() == 1


def test_evidence_for_an_observation_is_refused(in_audit, auditor_user, alice):
    observation = finding_raise(
        objective_evidence="Seen during the audit.",
        application=in_audit,
        kind="observation",
        criterion_ids=[criteria_of(in_audit)[0].pk],
        description="Note",
        by=auditor_user,
    )

    with pytest.raises(DomainError, match="nonconformity"):
        link(in_audit, alice, "https://example.org", finding=observation)
    assert evidence_count() == 0


def test_evidence_for_a_closed_finding_is_refused(in_audit, major, alice, auditor_user):
    finding_answer(**answer_fields(), finding=major, corrective_action="Fixed", by=alice)
    finding_verify(finding=major, note="Verified", by=auditor_user)

    with pytest.raises(DomainError, match="closed"):
        link(in_audit, alice, "https://example.org", finding=major)
    assert evidence_count() == 0


def test_evidence_for_a_finding_of_another_application_is_refused(
    in_audit, major, alice, auditor_user
):
    from .helpers import new_application

    other = new_application(in_audit.organization, alice)

    with pytest.raises(DomainError):
        link(other, alice, "https://example.org", finding=major)
    assert evidence_count() == 0


# --- Evidence required (clarifications) ------------------------------------------------------


def _required(application):
    return [c for c in criteria_of(application, "shall") if c.evidence_required]


def test_submit_is_refused_listing_the_criteria_without_evidence_or_reason(assigned, alice):
    for criterion in criteria_of(assigned, "shall"):
        answer(assigned, criterion, alice)
    with pytest.raises(DomainError) as refused:
        self_assessment_submit(application=assigned, by=alice)
    assert refused.value.code == "evidence_missing"
    for criterion in _required(assigned):
        assert criterion.code in str(refused.value)
    assigned.refresh_from_db()
    assert assigned.status == S.SELF_ASSESSMENT


def test_evidence_or_a_stated_reason_lets_the_submission_through(assigned, alice):
    first, *rest = _required(assigned)
    for criterion in criteria_of(assigned, "shall"):
        answer(assigned, criterion, alice)
    evidence_add_link(
        application=assigned, url="https://alpha.example/doc", criterion_id=first.pk, by=alice
    )
    for criterion in rest:
        self_assessment_answer(
            application=assigned,
            criterion_id=criterion.pk,
            status="implemented",
            explanation="See handbook.",
            no_evidence_reason="Shown on site: the system is not reachable from outside.",
            by=alice,
        )
    self_assessment_submit(application=assigned, by=alice)
    assigned.refresh_from_db()
    assert assigned.status == S.AUDIT


def test_the_reason_is_saved_with_the_answer_under_its_version_guard(assigned, alice):
    criterion = _required(assigned)[0]
    saved = answer(assigned, criterion, alice)
    reason = "Shown on site."
    kept = self_assessment_answer(
        application=assigned,
        criterion_id=criterion.pk,
        status="implemented",
        explanation="See handbook.",
        no_evidence_reason=reason,
        expected_version=saved.version,
        by=alice,
    )
    assert kept.no_evidence_reason == reason and kept.version == saved.version + 1
    # Leaving the reason out (None) keeps it; a stale version with a new reason is refused.
    again = answer(assigned, criterion, alice)
    assert again.no_evidence_reason == reason and again.version == kept.version
    from certification.services.self_assessment import AnswerConflict

    with pytest.raises(AnswerConflict):
        self_assessment_answer(
            application=assigned,
            criterion_id=criterion.pk,
            status="implemented",
            explanation="See handbook.",
            no_evidence_reason="Another reason.",
            expected_version=saved.version,
            by=alice,
        )


def test_a_not_applicable_answer_needs_no_evidence(assigned, alice):
    from certification.selectors.self_assessment import criteria_lacking_evidence

    criterion = next(
        (c for c in criteria_of(assigned) if c.evidence_required and c.na_allowed), None
    )
    if criterion is None:
        pytest.fail("the demo catalogue has an N/A-allowed criterion that requires evidence")
    answer(assigned, criterion, alice, status="not_applicable", explanation="No such product.")
    assert criterion not in criteria_lacking_evidence(assigned)
