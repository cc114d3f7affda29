"""Deadlines: every waiting step has a due date from the office's policy; the daily job
reminds whoever must act before and on the due date and tells the office once it is overdue,
each message once, in the recipient's language (time travel through the job).

The application's own steps (self-assessment, audit report, decision) follow its status; a
finding's answer opens when it is raised and closes when the company answers; an objection's
decision and the acceptance of a new agreement version are opened by their services (plans,
agreements) and reminded here like the others. Cases older than deadlines get theirs from the
daily backfill, due by the policy from the day it runs.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import formats, timezone, translation
from django_scopes import scope, scopes_disabled

from certification import tasks
from certification.models import (
    ApplicationStatus,
    AuditorObjection,
    CertificationPolicy,
    Deadline,
    DeadlineKind,
    Finding,
    FindingKind,
)
from certification.services import findings
from certification.services.applications import (
    application_transition,
    application_withdraw,
    locked_application,
)
from certification.services.deadlines import (
    certification_policy_update,
    deadline_open,
    deadlines_backfill,
    deadlines_remind,
    policy_due_on,
)
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.errors import DomainError
from tests.certification.helpers import answer_fields
from tests.factories import UserFactory, make_office

from .factories import AgreementVersionFactory, ApplicationFactory, PlanFactory
from .helpers import criteria_of, refreshed, set_status

pytestmark = [pytest.mark.django_db, pytest.mark.through_services]

K = DeadlineKind
S = ApplicationStatus
TODAY = timezone.localdate()


def deadlines_of(application, *, open_only=False):
    with scopes_disabled():
        rows = Deadline.objects.filter(application=application).order_by("pk")
        if open_only:
            rows = rows.filter(closed_at__isnull=True)
        return [(d.kind, d.due_on, d.closed_at is not None) for d in rows]


def open_kinds(application):
    return [kind for kind, _due, closed in deadlines_of(application) if not closed]


def the_deadline(**links):
    with scopes_disabled():
        return Deadline.objects.get(closed_at__isnull=True, **links)


def transition(application, action, by, reason=""):
    """Take one edge of the state machine directly (the deadlines follow the status)."""
    with transaction.atomic():
        return application_transition(locked_application(application), action, by=by, reason=reason)


def major(application, auditor_user, due_date=None):
    criterion = criteria_of(application)[0]
    return findings.finding_raise(
        objective_evidence="Seen during the audit.",
        application=application,
        kind=FindingKind.MAJOR,
        criterion_ids=[criterion.pk],
        description="No interface owner is named.",
        by=auditor_user,
        due_date=due_date,
    )


@pytest.fixture
def reviewer(db):
    return make_office(UserFactory(email="rita@example.org", full_name="Rita Reviewer"), "reviewer")


@pytest.fixture
def certifier(db):
    return make_office(
        UserFactory(email="carl@example.org", full_name="Carl Certifier"), "certifier"
    )


@pytest.fixture
def administrator(db):
    return make_office(
        UserFactory(email="ada@example.org", full_name="Ada Administrator"), "administrator"
    )


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """run(day): the daily job as of `day`, 06:30 local time, its mails delivered; the count."""

    def on(day):
        moment = timezone.make_aware(datetime.combine(day, time(6, 30)))
        with (
            time_machine.travel(moment.astimezone(UTC), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return deadlines_remind()

    return on


# --- The application's steps follow its status --------------------------------------------------


def test_the_application_steps_open_and_close_with_its_status(
    in_audit, assigned, office_user, auditor_user
):
    # Assigned: the self-assessment was due 30 days from the assignment; submitted since.
    assert deadlines_of(in_audit) == [
        (K.SELF_ASSESSMENT, TODAY + timedelta(days=30), True),
        (K.AUDIT_REPORT, TODAY + timedelta(days=30), False),
    ]
    transition(in_audit, "request_corrections", auditor_user)
    transition(in_audit, "resume_audit", auditor_user)
    assert open_kinds(in_audit) == [K.AUDIT_REPORT]  # the same deadline all along
    transition(in_audit, "submit_report", auditor_user)
    assert open_kinds(in_audit) == [K.DECISION]
    assert deadlines_of(in_audit, open_only=True) == [
        (K.DECISION, TODAY + timedelta(days=14), False)
    ]
    transition(in_audit, "reopen_audit", office_user, reason="Score 2.3 again.")
    assert open_kinds(in_audit) == [K.AUDIT_REPORT]
    transition(in_audit, "submit_report", auditor_user)
    transition(in_audit, "decide", office_user)
    assert open_kinds(in_audit) == []


def test_the_self_assessment_deadline_opens_with_the_assignment(assigned):
    assert deadlines_of(assigned) == [(K.SELF_ASSESSMENT, TODAY + timedelta(days=30), False)]
    with scopes_disabled():
        deadline = Deadline.objects.get(application=assigned)
    assert deadline.party == "company"


def test_a_withdrawn_case_waits_for_nothing_its_findings_included(in_audit, alice, auditor_user):
    finding = major(in_audit, auditor_user)
    application_withdraw(application=refreshed(in_audit), by=alice, reason="Not this year.")
    assert open_kinds(in_audit) == []
    with scopes_disabled():
        assert not Deadline.objects.filter(finding=finding, closed_at__isnull=True).exists()


def test_the_policy_gives_the_days_and_a_change_moves_no_open_deadline(assigned, office_user):
    policy = CertificationPolicy.objects.get(pk=1)
    certification_policy_update(
        values={"self_assessment_days": 10, "decision_days": 3},
        based_on=policy.updated_at,
        by=office_user,
    )
    assert policy_due_on(K.SELF_ASSESSMENT) == TODAY + timedelta(days=10)
    assert policy_due_on(K.DECISION, start=date(2027, 1, 1)) == date(2027, 1, 4)
    # The company was told the date when the step began: it stays.
    assert deadlines_of(assigned) == [(K.SELF_ASSESSMENT, TODAY + timedelta(days=30), False)]


# --- A finding's answer --------------------------------------------------------------------------


def test_a_nonconformity_is_due_by_the_policy_and_its_deadline_is_the_finding_date(
    in_audit, auditor_user
):
    CertificationPolicy.objects.update_or_create(pk=1, defaults={"finding_answer_days": 21})
    finding = major(in_audit, auditor_user)
    assert finding.due_date == TODAY + timedelta(days=21)
    deadline = the_deadline(finding=finding)
    assert (deadline.kind, deadline.due_on, deadline.application_id) == (
        K.FINDING_ANSWER,
        finding.due_date,
        in_audit.pk,
    )
    assert deadline.party == "company"


def test_the_auditors_due_date_is_the_deadline(in_audit, auditor_user):
    finding = major(in_audit, auditor_user, due_date=TODAY + timedelta(days=5))
    assert the_deadline(finding=finding).due_on == TODAY + timedelta(days=5)


def test_an_observation_waits_for_no_answer(in_audit, auditor_user):
    finding = findings.finding_raise(
        objective_evidence="Seen during the audit.",
        application=in_audit,
        kind=FindingKind.OBSERVATION,
        criterion_ids=[criteria_of(in_audit)[0].pk],
        description="Worth a look.",
        by=auditor_user,
    )
    with scopes_disabled():
        assert not Deadline.objects.filter(finding=finding).exists()


def test_the_answer_closes_the_deadline_and_sending_it_back_opens_a_new_one(
    in_audit, alice, auditor_user
):
    finding = major(in_audit, auditor_user, due_date=TODAY + timedelta(days=5))
    findings.finding_answer(
        **answer_fields(), finding=finding, corrective_action="Named one.", by=alice
    )
    with scopes_disabled():
        assert not Deadline.objects.filter(finding=finding, closed_at__isnull=True).exists()
    # Sent back after the date had passed: a new date by the policy, on the finding too.
    later = TODAY + timedelta(days=9)
    with time_machine.travel(datetime.combine(later, time(12), tzinfo=UTC), tick=False):
        findings.finding_send_back(
            finding=refreshed(finding), reason="Not enough.", by=auditor_user
        )
    deadline = the_deadline(finding=finding)
    assert deadline.due_on == later + timedelta(days=30)
    assert refreshed(finding).due_date == deadline.due_on
    with scopes_disabled():
        assert Deadline.objects.filter(finding=finding).count() == 2


def test_the_report_closes_the_findings_deadlines_and_reopening_the_audit_opens_them(
    in_audit, office_user, auditor_user
):
    finding = major(in_audit, auditor_user, due_date=TODAY + timedelta(days=5))
    transition(in_audit, "submit_report", auditor_user)
    with scopes_disabled():
        assert not Deadline.objects.filter(finding=finding, closed_at__isnull=True).exists()
    transition(in_audit, "reopen_audit", office_user, reason="The major is still open.")
    assert the_deadline(finding=finding).due_on == TODAY + timedelta(days=5)


# --- Cases older than deadlines ----------------------------------------------------------------


def test_the_backfill_opens_the_current_step_due_by_the_policy_from_today(
    in_audit, auditor_user, django_capture_on_commit_callbacks
):
    finding = major(in_audit, auditor_user, due_date=TODAY + timedelta(days=4))
    with scopes_disabled():
        Deadline.objects.all().delete()  # as before the upgrade
    later = TODAY + timedelta(days=40)
    with time_machine.travel(datetime.combine(later, time(6), tzinfo=UTC), tick=False):
        assert deadlines_backfill() == 2
        assert deadlines_backfill() == 0  # idempotent
    assert deadlines_of(in_audit, open_only=True) == [
        (K.AUDIT_REPORT, later + timedelta(days=30), False),
        # The finding's date has gone by: a new one by the policy, on the finding too.
        (K.FINDING_ANSWER, later + timedelta(days=30), False),
    ]
    assert refreshed(finding).due_date == later + timedelta(days=30)


def test_the_backfill_keeps_a_findings_date_ahead_and_leaves_closed_cases(
    in_audit, beta, charlie, auditor_user
):
    finding = major(in_audit, auditor_user, due_date=TODAY + timedelta(days=4))
    with scopes_disabled():
        Deadline.objects.all().delete()
    withdrawn = set_status(ApplicationFactory(organization=beta, created_by=charlie), S.WITHDRAWN)
    assert deadlines_backfill() == 2
    assert the_deadline(finding=finding).due_on == TODAY + timedelta(days=4)
    assert deadlines_of(withdrawn) == []


def test_the_backfill_runs_daily_before_the_reminders(settings):
    jobs = settings.CELERY_BEAT_SCHEDULE
    backfill = jobs["certification-deadlines-backfill"]["schedule"]
    remind = jobs["certification-deadlines-remind"]["schedule"]
    assert (
        jobs["certification-deadlines-backfill"]["task"] == "certification.tasks.deadlines_backfill"
    )
    assert (min(backfill.hour), min(backfill.minute)) < (min(remind.hour), min(remind.minute))


# --- Reminders and escalation, for each kind of step -------------------------------------------


@pytest.fixture
def step(request, alpha, alice, auditor_user, office_user):
    """A deadline of the kind asked for (indirect parametrisation), due in 10 days."""
    kind = request.param
    due = TODAY + timedelta(days=10)
    if kind == K.SELF_ASSESSMENT:
        application = set_status(request.getfixturevalue("assigned"), S.SELF_ASSESSMENT)
        with scopes_disabled():
            Deadline.objects.filter(application=application).update(due_on=due)
        return the_deadline(application=application, kind=kind)
    if kind == K.APPEAL:  # appeals: a certifier decides a client's appeal
        from certification.models import Appeal

        with scope(organization=alpha):
            appeal = Appeal.objects.create(
                reference="APL-2026-0001",
                organization=alpha,
                subject="other",
                decision_on=TODAY,
                grounds="The decision overlooked our evidence.",
                filed_at=timezone.now(),
                due_on=due,
            )
            return Deadline.objects.create(
                kind=kind, organization=alpha, appeal=appeal, opened_at=timezone.now(), due_on=due
            )
    in_audit = request.getfixturevalue("in_audit")
    if kind == K.CLARIFICATION:  # clarifications: the company answers an auditor's question
        from certification.services.clarifications import clarification_ask

        asked = clarification_ask(
            application=in_audit,
            criterion_id=criteria_of(in_audit)[0].pk,
            question="Who owns the interface?",
            by=auditor_user,
        )
        with scopes_disabled():
            Deadline.objects.filter(clarification=asked).update(due_on=due)
            return Deadline.objects.get(clarification=asked)
    if kind == K.FINDING_ANSWER:
        finding = major(in_audit, auditor_user, due_date=due)
        return the_deadline(finding=finding)
    if kind == K.AUDIT_REPORT:
        with scopes_disabled():
            Deadline.objects.filter(application=in_audit, kind=kind).update(due_on=due)
        return the_deadline(application=in_audit, kind=kind)
    if kind == K.DECISION:
        transition(in_audit, "submit_report", auditor_user)
        with scopes_disabled():
            Deadline.objects.filter(application=in_audit, kind=kind).update(due_on=due)
        return the_deadline(application=in_audit, kind=kind)
    if kind == K.OBJECTION:
        plan = PlanFactory(application=in_audit, sent=True)
        with scope(organization=alpha):
            objection = AuditorObjection.objects.create(
                plan=plan,
                assignment=in_audit.assignments.get(role="lead"),
                reason="Worked for our competitor.",
                raised_by=alice,
            )
        return deadline_open(kind=kind, organization=alpha, objection=objection, due_on=due)
    agreement = AgreementVersionFactory(published=True)
    return deadline_open(kind=kind, organization=alpha, agreement=agreement, due_on=due)


# Who is reminded, who is told when it is overdue (the office's roles by step).
PARTY = {
    K.SELF_ASSESSMENT: ("company", "reviewer"),
    K.FINDING_ANSWER: ("company", "reviewer"),
    K.AUDIT_REPORT: ("auditor", "reviewer"),
    K.DECISION: ("certifier", "certifier"),
    K.OBJECTION: ("reviewer", "reviewer"),
    K.AGREEMENT: ("company", "administrator"),
    K.APPEAL: ("certifier", "certifier"),  # appeals
    K.CLARIFICATION: ("company", "reviewer"),  # clarifications
}
ALL_KINDS = list(K)


def people(who, *, alice, auditor_user, office_user, reviewer, certifier, administrator):
    """The addresses of a party (office_user holds all three office roles)."""
    return {
        "company": {alice.email},  # the owner; bob is a plain member
        "auditor": {auditor_user.email},
        "reviewer": {office_user.email, reviewer.email},
        "certifier": {office_user.email, certifier.email},
        "administrator": {office_user.email, administrator.email},
    }[who]


def sent_to():
    return {address for message in mail.outbox for address in message.to}


@pytest.mark.parametrize("step", ALL_KINDS, indirect=True)
def test_reminded_before_on_the_day_and_escalated_once_each(
    step, run, alice, bob, auditor_user, office_user, reviewer, certifier, administrator
):
    kind, due = K(step.kind), step.due_on
    party, escalated_to = PARTY[kind]
    everyone = {
        "alice": alice,
        "auditor_user": auditor_user,
        "office_user": office_user,
        "reviewer": reviewer,
        "certifier": certifier,
        "administrator": administrator,
    }
    mail.outbox.clear()
    sent_on = {}
    for days_left in range(12, -4, -1):
        day = due - timedelta(days=days_left)
        sent = run(day)
        assert run(day) == 0  # the job run twice the same day sends nothing twice
        if sent:
            sent_on[days_left] = sent
    # Seven days ahead (the policy), on the day, and the day after for the office.
    assert sent_on == {7: 1, 0: 1, -1: 1}
    subjects = [m.subject for m in mail.outbox]
    label = str(kind.label)
    assert f"Reminder: {label} by {due:%Y-%m-%d}" in subjects[0]
    assert subjects[-1].startswith(f"Overdue since {due:%Y-%m-%d}: {label}")
    before = [m for m in mail.outbox if m.subject.startswith("Reminder")]
    today = [m for m in mail.outbox if m.subject.startswith("Due today")]
    late = [m for m in mail.outbox if m.subject.startswith("Overdue")]
    assert {a for m in before for a in m.to} == people(party, **everyone)
    assert {a for m in today for a in m.to} == people(party, **everyone)
    expected = people(escalated_to, **everyone)
    if party in ("reviewer", "certifier"):  # the office's own step: its administrators too
        expected |= people("administrator", **everyone)
    assert {a for m in late for a in m.to} == expected
    assert all(len(m.to) == 1 for m in mail.outbox)  # nobody sees another's address
    step = refreshed(step)
    assert step.reminded_before_at and step.reminded_due_at and step.escalated_at
    with scopes_disabled():
        verbs = list(
            ActivityEntry.objects.filter(verb__startswith="certification.deadline_")
            .order_by("pk")
            .values_list("verb", flat=True)
        )
    assert verbs == [
        "certification.deadline_before",
        "certification.deadline_due",
        "certification.deadline_escalation",
    ]
    assert "bob@example.org" not in sent_to()


@pytest.mark.parametrize("step", ALL_KINDS, indirect=True)
def test_a_step_closed_meanwhile_is_never_reminded(step, run):
    run(step.due_on - timedelta(days=7))
    with scopes_disabled():
        Deadline.objects.filter(pk=step.pk).update(closed_at=timezone.now())
    mail.outbox.clear()
    for days_left in range(6, -5, -1):
        assert run(step.due_on - timedelta(days=days_left)) == 0
    assert mail.outbox == []


@pytest.mark.parametrize("step", ALL_KINDS, indirect=True)
def test_a_job_that_catches_up_after_days_sends_what_is_still_true_once(step, run):
    # The job did not run for two weeks: two days after the due date it sends the reminder
    # of the day (saying the date) and the escalation, not the one ahead.
    mail.outbox.clear()
    assert run(step.due_on + timedelta(days=2)) == 2
    assert run(step.due_on + timedelta(days=3)) == 0
    subjects = sorted(m.subject.split(":")[0] for m in mail.outbox)
    assert set(subjects) == {
        f"Was due on {step.due_on:%Y-%m-%d}",
        f"Overdue since {step.due_on:%Y-%m-%d}",
    }
    assert refreshed(step).reminded_before_at is None


def test_a_step_begun_within_the_reminder_window_is_not_reminded_the_same_day(
    in_audit, auditor_user, run
):
    # Its own mail told the company the date today: the reminder ahead waits for tomorrow.
    finding = major(in_audit, auditor_user, due_date=TODAY + timedelta(days=3))
    mail.outbox.clear()
    assert run(TODAY) == 0
    assert run(TODAY + timedelta(days=1)) == 1
    assert the_deadline(finding=finding).reminded_before_at is not None


@pytest.mark.parametrize("step", ALL_KINDS, indirect=True)
def test_each_recipient_reads_the_mail_in_their_language(
    step, run, alice, auditor_user, office_user
):
    for person in (alice, auditor_user, office_user):
        person.language = "de"
        person.save(update_fields=["language"])
    mail.outbox.clear()
    run(step.due_on - timedelta(days=7))
    with translation.override("de"):
        long_date = formats.date_format(step.due_on, "DATE_FORMAT")  # "17. Dezember 2026"
    assert mail.outbox
    for message in mail.outbox:
        assert step.due_on.strftime("%d.%m.%Y") in message.subject, message.subject
        assert long_date in message.body
        assert step.due_on.isoformat() not in message.subject + message.body


def test_a_reviewer_in_english_and_a_certifier_in_german_each_read_their_own(
    in_audit, auditor_user, run, reviewer, certifier
):
    certifier.language = "de"
    certifier.save(update_fields=["language"])
    transition(in_audit, "submit_report", auditor_user)
    deadline = the_deadline(application=in_audit, kind=K.DECISION)
    mail.outbox.clear()
    run(deadline.due_on)
    to = {m.to[0]: m for m in mail.outbox}
    with translation.override("de"):
        german = formats.date_format(deadline.due_on, "DATE_FORMAT")
    with translation.override("en"):
        english = formats.date_format(deadline.due_on, "DATE_FORMAT")
    assert german in to[certifier.email].body
    assert english in to["office@example.org"].body
    assert reviewer.email not in to  # a decision is the certifiers' step
    assert f"/office/certification/{in_audit.pk}/" in to[certifier.email].body


def test_the_reminder_links_each_party_to_its_own_page(in_audit, auditor_user, run, alpha):
    finding = major(in_audit, auditor_user, due_date=TODAY + timedelta(days=10))
    mail.outbox.clear()
    run(TODAY + timedelta(days=3))
    company = next(m for m in mail.outbox if m.to == ["alice@example.org"])
    assert f"/o/{alpha.slug}/certification/{in_audit.pk}/findings/{finding.pk}/" in company.body
    with scopes_disabled():
        Deadline.objects.filter(application=in_audit, kind=K.AUDIT_REPORT).update(
            due_on=TODAY + timedelta(days=10)
        )
    mail.outbox.clear()
    run(TODAY + timedelta(days=4))
    lead = next(m for m in mail.outbox if m.to == [auditor_user.email])
    assert f"/audit/{in_audit.pk}/" in lead.body


@pytest.mark.parametrize(
    "step, path",
    [
        (K.SELF_ASSESSMENT, "/o/alpha/certification/{pk}/self-assessment/"),
        (K.OBJECTION, "/office/certification/{pk}/objections/"),
        (K.AGREEMENT, "/o/alpha/certification/agreement/"),
    ],
    indirect=["step"],
)
def test_the_reminder_of_each_step_links_to_where_it_is_taken(step, path, run):
    from certification.selectors.deadlines import case_of

    application = case_of(step)
    mail.outbox.clear()
    run(step.due_on)
    assert mail.outbox
    expected = path.format(pk=application.pk if application else "")
    assert all(expected in m.body for m in mail.outbox), mail.outbox[0].body


def test_the_beat_task_reminds_by_the_clock(in_audit, auditor_user):
    finding = major(in_audit, auditor_user, due_date=TODAY + timedelta(days=10))
    day = TODAY + timedelta(days=3)
    with time_machine.travel(datetime.combine(day, time(6, 30), tzinfo=UTC), tick=False):
        assert tasks.deadlines_remind.delay().get() == 1
        assert tasks.deadlines_remind.delay().get() == 0
        assert tasks.deadlines_backfill.delay().get() == 0
    assert the_deadline(finding=finding).reminded_before_at is not None


# --- The policy ---------------------------------------------------------------------------------


def test_only_the_office_administrator_changes_the_policy(reviewer, certifier, alice):
    policy = CertificationPolicy.objects.get_or_create(pk=1)[0]
    for person in (reviewer, certifier, alice, None):
        with pytest.raises(DomainError):
            certification_policy_update(
                values={"decision_days": 3}, based_on=policy.updated_at, by=person
            )
    assert CertificationPolicy.objects.get(pk=1).decision_days == 14


def test_the_policy_change_is_logged_with_before_and_after(administrator):
    policy = CertificationPolicy.objects.get_or_create(pk=1)[0]
    certification_policy_update(
        values={"decision_days": 3, "reminder_days_before": 7},
        based_on=policy.updated_at,
        by=administrator,
    )
    with scopes_disabled():
        entry = ActivityEntry.objects.get(verb="certification.policy_updated")
    assert entry.data["before"] == {"decision_days": 14}
    assert entry.data["after"] == {"decision_days": 3}
    assert entry.actor == administrator
    assert CertificationPolicy.objects.get(pk=1).updated_by == administrator


def test_a_save_on_an_older_version_of_the_policy_is_refused(administrator, office_user):
    stale = CertificationPolicy.objects.get_or_create(pk=1)[0].updated_at
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        certification_policy_update(values={"decision_days": 9}, based_on=stale, by=office_user)
    with pytest.raises(DomainError) as refused:
        certification_policy_update(values={"decision_days": 3}, based_on=stale, by=administrator)
    assert refused.value.code == "stale_version"
    assert "Olga Office" in refused.value.messages[0]
    assert CertificationPolicy.objects.get(pk=1).decision_days == 9


def test_the_policy_is_validated(administrator):
    policy = CertificationPolicy.objects.get_or_create(pk=1)[0]
    with pytest.raises(DomainError):
        certification_policy_update(
            values={"decision_days": 0}, based_on=policy.updated_at, by=administrator
        )
    with pytest.raises(DomainError):
        certification_policy_update(values={"nonsense": 1}, based_on=None, by=administrator)
    assert CertificationPolicy.objects.get(pk=1).decision_days == 14


def test_the_finding_date_stays_the_deadline_date(in_audit, auditor_user):
    finding = major(in_audit, auditor_user)
    with scopes_disabled():
        stored = Finding.objects.get(pk=finding.pk).due_date
    assert stored == the_deadline(finding=finding).due_on
