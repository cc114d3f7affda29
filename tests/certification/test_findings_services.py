"""Findings in steps: raised with objective evidence, answered with correction, root cause,
corrective action and its date, verified (accepted) or sent back with a reason, observations
closed — each step recorded (FindingStep) with who, when and its text; the e-mails carry the
finding's text; the refusals."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import ApplicationStatus as S
from certification.models import Deadline, DeadlineKind, FindingStatus, FindingStep
from certification.selectors.audits import pass_result_of
from certification.selectors.findings import finding_steps
from certification.services.findings import (
    finding_answer,
    finding_close,
    finding_raise,
    finding_send_back,
    finding_verify,
)
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.errors import DomainError, TransitionNotAllowed
from tests.certification.helpers import answer_fields, criteria_of, set_status

pytestmark = pytest.mark.django_db


def raise_(application, user, kind="major", **extra):
    values = {
        "application": application,
        "kind": kind,
        "criterion_ids": [c.pk for c in criteria_of(application)[:2]],
        "description": "No owner of the interfaces is named.",
        "objective_evidence": "Org chart v3 (2026-11) has no interface owner.",
        "by": user,
        **extra,
    }
    return finding_raise(**values)


def answer(finding, user, **extra):
    values = {
        "finding": finding,
        "correction": "Named an owner at once.",
        "root_cause": "Roles were never reviewed after the reorganisation.",
        "corrective_action": "Yearly role review in the management review.",
        "action_due_on": timezone.localdate() + timedelta(days=40),
        "by": user,
        **extra,
    }
    return finding_answer(**values)


def steps_of(finding):
    return [(s.step, s.by) for s in finding_steps(finding)]


def verbs():
    with scopes_disabled():
        return list(ActivityEntry.objects.order_by("pk").values_list("verb", flat=True))


@pytest.fixture
def major(in_audit, auditor_user):
    return raise_(in_audit, auditor_user)


# --- Raise ---------------------------------------------------------------------------------


def test_raise_records_the_step_with_its_fields_and_mails_the_finding(
    in_audit, auditor_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        finding = raise_(in_audit, auditor_user, "minor")
    codes = [c.code for c in criteria_of(in_audit)[:2]]
    (step,) = finding_steps(finding)
    assert (step.step, step.by) == ("raised", auditor_user)
    assert step.data == {
        "kind": "minor",
        "criteria": codes,
        "description": "No owner of the interfaces is named.",
        "objective_evidence": "Org chart v3 (2026-11) has no interface owner.",
        "due_date": finding.due_date.isoformat(),
    }
    assert "certification.finding_raised" in verbs()
    (mail,) = mailoutbox
    assert mail.to == ["alice@example.org"]
    assert "Minor nonconformity" in mail.subject
    for text in (
        "Minor nonconformity",
        *codes,
        "No owner of the interfaces is named.",
        "Org chart v3 (2026-11) has no interface owner.",
        finding.due_date.isoformat(),
    ):
        assert text in mail.body


@pytest.mark.parametrize("kind", ["major", "minor"])
def test_a_nonconformity_needs_objective_evidence(kind, in_audit, auditor_user):
    with pytest.raises(DomainError, match="objective evidence") as caught:
        raise_(in_audit, auditor_user, kind, objective_evidence="  ")
    assert "objective_evidence" in caught.value.error_dict
    with scopes_disabled():
        assert not FindingStep.objects.exists()


@pytest.mark.parametrize("kind", ["observation", "improvement"])
def test_an_observation_needs_no_objective_evidence_nor_answer_date(
    kind, in_audit, auditor_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        finding = raise_(in_audit, auditor_user, kind, objective_evidence="")
    assert finding.due_date is None
    assert steps_of(finding) == [("raised", auditor_user)]
    assert mailoutbox == []


def test_the_answer_due_date_comes_from_the_policy_or_the_auditor(in_audit, auditor_user):
    default = raise_(in_audit, auditor_user)
    chosen = raise_(in_audit, auditor_user, due_date=timezone.localdate() + timedelta(days=5))
    assert default.due_date == timezone.localdate() + timedelta(days=30)
    assert chosen.due_date == timezone.localdate() + timedelta(days=5)
    with pytest.raises(DomainError, match="past"):
        raise_(in_audit, auditor_user, due_date=timezone.localdate() - timedelta(days=1))


@pytest.mark.parametrize("who", ["alice", "bob", "charlie", "office_user"])
def test_only_an_assigned_auditor_raises(who, request, in_audit):
    with pytest.raises(DomainError, match="not assigned"):
        raise_(in_audit, request.getfixturevalue(who))


# --- Answer --------------------------------------------------------------------------------


def test_the_company_answers_in_steps_and_the_auditors_read_it(
    major, alice, auditor_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answered = answer(major, alice)
    assert answered.status == FindingStatus.ANSWERED
    assert answered.correction == "Named an owner at once."
    assert answered.root_cause == "Roles were never reviewed after the reorganisation."
    assert answered.action_due_on == timezone.localdate() + timedelta(days=40)
    assert steps_of(major) == [("raised", auditor_user), ("answered", alice)]
    step = finding_steps(major)[-1]
    assert step.data["corrective_action"] == "Yearly role review in the management review."
    assert step.data["action_due_on"] == answered.action_due_on.isoformat()
    # Its deadline is closed; the auditors are told the answer's text.
    with scopes_disabled():
        assert not Deadline.objects.filter(finding=major, closed_at__isnull=True).exists()
    (mail,) = mailoutbox
    assert mail.to == ["auditor@example.org"]
    for text in (
        "Named an owner at once.",
        "Roles were never reviewed after the reorganisation.",
        "Yearly role review in the management review.",
        answered.action_due_on.isoformat(),
        "No owner of the interfaces is named.",
    ):
        assert text in mail.body


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("correction", " ", "correction"),
        ("root_cause", "", "root cause"),
        ("corrective_action", "  ", "corrective action"),
        ("action_due_on", None, "by when"),
    ],
)
def test_every_part_of_the_answer_is_required(field, value, message, major, alice):
    with pytest.raises(DomainError, match=message) as caught:
        answer(major, alice, **{field: value})
    assert field in caught.value.error_dict
    major.refresh_from_db()
    assert major.status == FindingStatus.OPEN


def test_the_completion_date_may_not_lie_in_the_past(major, alice):
    with pytest.raises(DomainError, match="past"):
        answer(major, alice, action_due_on=timezone.localdate() - timedelta(days=1))
    # A minor's (or major's) action may well be completed after the audit.
    assert answer(major, alice, action_due_on=timezone.localdate() + timedelta(days=365))


@pytest.mark.parametrize("who", ["bob", "charlie", "auditor_user", "office_user"])
def test_only_owners_and_admins_answer(who, request, major):
    with pytest.raises(DomainError, match="owner or admin"):
        answer(major, request.getfixturevalue(who))
    assert steps_of(major)[-1][0] == "raised"


def test_an_observation_is_not_answered(in_audit, auditor_user, alice):
    observation = raise_(in_audit, auditor_user, "observation")
    with pytest.raises(DomainError, match="Only nonconformities"):
        answer(observation, alice)


# --- Verify and send back -----------------------------------------------------------------


def test_the_auditor_verifies_the_effectiveness_and_the_major_closes(
    major, alice, auditor_user, mailoutbox, django_capture_on_commit_callbacks
):
    answer(major, alice)
    # Answered but not verified: the major still counts as open for the pass rule.
    assert pass_result_of(major.application).open_majors == 1
    with pytest.raises(DomainError, match="effectiveness") as caught:
        finding_verify(finding=major, note=" ", by=auditor_user)
    assert "note" in caught.value.error_dict
    with django_capture_on_commit_callbacks(execute=True):
        verified = finding_verify(finding=major, note="Saw the new role review.", by=auditor_user)
    assert (verified.status, verified.closed_by) == (FindingStatus.CLOSED, auditor_user)
    assert pass_result_of(major.application).open_majors == 0
    assert steps_of(major)[-1] == ("accepted", auditor_user)
    assert finding_steps(major)[-1].data == {"note": "Saw the new role review."}
    assert "certification.finding_verified" in verbs()
    (mail,) = mailoutbox
    assert mail.to == ["alice@example.org"] and "accepted" in mail.subject
    assert "Saw the new role review." in mail.body


def test_the_auditor_sends_an_answer_back_and_the_deadline_reopens(
    major, alice, auditor_user, mailoutbox, django_capture_on_commit_callbacks
):
    answer(major, alice)
    with pytest.raises(DomainError, match="Say why"):
        finding_send_back(finding=major, reason="", by=auditor_user)
    with django_capture_on_commit_callbacks(execute=True):
        back = finding_send_back(finding=major, reason="No record of the review.", by=auditor_user)
    assert back.status == FindingStatus.OPEN
    assert steps_of(major)[-1] == ("sent_back", auditor_user)
    assert finding_steps(major)[-1].data["reason"] == "No record of the review."
    with scopes_disabled():
        assert Deadline.objects.filter(
            kind=DeadlineKind.FINDING_ANSWER, finding=major, closed_at__isnull=True
        ).exists()
    assert "certification.finding_sent_back" in verbs()
    (mail,) = mailoutbox
    assert mail.to == ["alice@example.org"]
    assert "No record of the review." in mail.body
    assert "No owner of the interfaces is named." in mail.body
    # The company answers again; the auditor accepts: the whole history stays.
    answer(major, alice, corrective_action="Review minuted and signed.")
    finding_verify(finding=major, note="Minutes seen.", by=auditor_user)
    assert [s for s, _by in steps_of(major)] == [
        "raised",
        "answered",
        "sent_back",
        "answered",
        "accepted",
    ]


def test_a_finding_sent_back_after_its_due_date_gets_a_new_one(major, alice, auditor_user):
    answer(major, alice, action_due_on=timezone.localdate() + timedelta(days=90))
    with time_machine.travel(timezone.now() + timedelta(days=45)):
        back = finding_send_back(finding=major, reason="Not enough.", by=auditor_user)
        assert back.due_date >= timezone.localdate()
        assert finding_steps(major)[-1].data["due_date"] == back.due_date.isoformat()


def test_sending_back_or_verifying_an_unanswered_finding_is_refused(major, auditor_user):
    with pytest.raises(DomainError, match="answered finding"):
        finding_send_back(finding=major, reason="Why?", by=auditor_user)
    with pytest.raises(DomainError, match="after the company"):
        finding_verify(finding=major, note="Fine.", by=auditor_user)
    assert steps_of(major) == [("raised", auditor_user)]


@pytest.mark.parametrize("who", ["alice", "bob", "charlie", "office_user"])
def test_the_company_and_outsiders_cannot_verify_or_send_back(who, request, major, alice):
    answer(major, alice)
    user = request.getfixturevalue(who)
    with pytest.raises(DomainError, match="not assigned"):
        finding_verify(finding=major, note="Fine.", by=user)
    with pytest.raises(DomainError, match="not assigned"):
        finding_send_back(finding=major, reason="No.", by=user)
    major.refresh_from_db()
    assert major.status == FindingStatus.ANSWERED


def test_verifying_twice_is_refused(major, alice, auditor_user):
    answer(major, alice)
    finding_verify(finding=major, note="OK.", by=auditor_user)
    with pytest.raises(DomainError):
        finding_verify(finding=major, note="OK.", by=auditor_user)
    with pytest.raises(DomainError, match="not open"):
        answer(major, alice)


# --- Observations --------------------------------------------------------------------------


def test_the_auditor_closes_an_observation(in_audit, auditor_user):
    observation = raise_(in_audit, auditor_user, "observation")
    closed = finding_close(finding=observation, note="Noted for next year.", by=auditor_user)
    assert closed.status == FindingStatus.CLOSED
    assert steps_of(observation)[-1] == ("closed", auditor_user)
    assert finding_steps(observation)[-1].data == {"note": "Noted for next year."}
    with pytest.raises(DomainError, match="already closed"):
        finding_close(finding=observation, note="", by=auditor_user)


def test_a_nonconformity_is_not_closed_without_verification(major, alice, auditor_user):
    answer(major, alice)
    with pytest.raises(DomainError, match="verifying"):
        finding_close(finding=major, note="Fine.", by=auditor_user)


def test_no_step_once_the_report_is_in(major, alice, auditor_user):
    set_status(major.application, S.REPORT_SUBMITTED)
    with pytest.raises(TransitionNotAllowed):
        answer(major, alice)
    with pytest.raises(TransitionNotAllowed):
        finding_send_back(finding=major, reason="Late.", by=auditor_user)


def test_answer_fields_helper_is_a_valid_answer(major, alice):
    """tests/certification/helpers.answer_fields: what other tests use to answer."""
    answered = finding_answer(finding=major, corrective_action="Fix.", by=alice, **answer_fields())
    assert answered.status == FindingStatus.ANSWERED
