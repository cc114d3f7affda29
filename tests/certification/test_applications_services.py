"""The application's state machine: every edge, every refusal, what each step records and
whom it tells."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import (
    APPLICATION_EDGES,
    APPLICATION_REASON_REQUIRED,
    OPEN_STATES,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    AssignmentStatus,
    AuditorAssignment,
)
from certification.services import applications as application_services
from certification.services.applications import (
    application_accept,
    application_decide,
    application_reject,
    application_reopen_audit,
    application_return,
    application_submit,
    application_transition,
    application_update,
    application_withdraw,
    locked_application,
    organizational_grant_record,
)
from certification.services.auditors import assignment_end, auditor_assign
from certification.services.audits import audit_request_corrections, audit_resume, report_submit
from certification.services.findings import finding_raise
from certification.services.self_assessment import self_assessment_answer, self_assessment_submit
from cpo_portal.accounts.models import OfficeRole
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.errors import DomainError, TransitionNotAllowed
from tests.factories import MembershipFactory, UserFactory, make_office

from .helpers import (
    accept_agreement,
    answer_all,
    criteria_of,
    make_auditor,
    new_application,
    plan_for_report,
    score,
    score_all,
    set_status,
)

pytestmark = pytest.mark.django_db

S = ApplicationStatus
OFFICE = sorted(["office@example.org", "office2@example.org"])


def events(application):
    with scopes_disabled():
        return list(
            ApplicationEvent.objects.filter(application=application)
            .order_by("at", "pk")
            .values_list("action", "status_before", "status_after")
        )


def activity_verbs(application):
    with scopes_disabled():
        return list(
            ActivityEntry.objects.filter(target_id=str(application.pk), verb__startswith="cert")
            .order_by("created_at", "pk")
            .values_list("verb", flat=True)
        )


def walk_to(application, target, *, alice, office, auditor_user, lead, decider=None):
    """Drive an application from draft to `target` through the services."""
    steps = {
        S.DRAFT: [],
        S.SUBMITTED: ["submit"],
        S.RETURNED: ["submit", "return"],
        S.REJECTED: ["submit", "reject"],
        S.ACCEPTED: ["submit", "accept"],
        S.AUDITOR_ASSIGNED: ["submit", "accept", "assign"],
        S.SELF_ASSESSMENT: ["submit", "accept", "assign", "answer"],
        S.AUDIT: ["submit", "accept", "assign", "answer_all"],
        S.CORRECTIVE_ACTIONS: ["submit", "accept", "assign", "answer_all", "major", "correct"],
        S.REPORT_SUBMITTED: ["submit", "accept", "assign", "answer_all", "score", "report"],
        S.DECIDED: ["submit", "accept", "assign", "answer_all", "score", "report", "decide"],
        S.WITHDRAWN: ["withdraw"],
    }[target]
    for step in steps:
        if step == "submit":
            application_submit(application=application, by=alice)
            accept_agreement(application.organization, alice)  # as `submitted` (agreements)
        elif step == "return":
            application_return(application=application, by=office, reason="More scope.")
        elif step == "reject":
            application_reject(application=application, by=office, reason="Not ours.")
        elif step == "accept":
            application_accept(application=application, by=office)
        elif step == "assign":
            auditor_assign(application=application, auditor=lead, role="lead", by=office)
        elif step == "answer":
            criterion = criteria_of(application)[0]
            self_assessment_answer(
                application=application,
                criterion_id=criterion.pk,
                status="implemented",
                explanation="See handbook.",
                by=alice,
            )
        elif step == "answer_all":
            answer_all(application, alice)
            self_assessment_submit(application=application, by=alice)
        elif step == "major":
            finding_raise(
                objective_evidence="Seen during the audit.",
                application=application,
                kind="major",
                criterion_ids=[criteria_of(application)[0].pk],
                description="No interface documentation.",
                by=auditor_user,
            )
        elif step == "correct":
            audit_request_corrections(application=application, by=auditor_user)
        elif step == "score":
            score_all(application, auditor_user)
        elif step == "report":
            plan_for_report(application)  # the report waits for a plan sent (plans)
            report_submit(
                application=application,
                recommendation="grant",
                summary="All met.",
                by=auditor_user,
            )
        elif step == "decide":
            application_decide(
                application=application, decision="grant", rationale="Conclusive.", by=decider
            )
        elif step == "withdraw":
            application_withdraw(application=application, by=alice)
        application.refresh_from_db()
    assert application.status == target
    return application


@pytest.fixture
def walk(draft, alice, office_user, auditor_user, lead, office2):
    def go(target):
        return walk_to(
            draft,
            target,
            alice=alice,
            office=office_user,
            auditor_user=auditor_user,
            lead=lead,
            decider=office2,
        )

    return go


# --- The edges themselves (lifecycle.transition) ---------------------------------------------


@pytest.mark.parametrize("action", sorted(APPLICATION_EDGES))
def test_every_state_outside_an_actions_edges_is_refused(action, draft, office_user):
    sources = set(APPLICATION_EDGES[action])
    refused = [state for state in S.values if state not in sources]
    assert refused, action
    for state in refused:
        set_status(draft, state)
        before = events(draft)
        with pytest.raises(TransitionNotAllowed), transaction.atomic():
            application_transition(
                locked_application(draft), action, by=office_user, reason="Because."
            )
        draft.refresh_from_db()
        assert draft.status == state, (action, state)
        assert events(draft) == before


@pytest.mark.parametrize(
    ("action", "before", "after"),
    sorted(
        (action, b, a)
        for action, edges in APPLICATION_EDGES.items()
        for b, targets in edges.items()
        for a in targets
    ),
)
def test_every_edge_moves_and_records_event_and_activity(action, before, after, draft, office_user):
    set_status(draft, before)
    with transaction.atomic():
        moved = application_transition(
            locked_application(draft), action, by=office_user, reason="Because."
        )
    assert moved.status == after
    draft.refresh_from_db()
    assert draft.status == after
    with scopes_disabled():
        event = ApplicationEvent.objects.filter(application=draft).latest("pk")
        entry = ActivityEntry.objects.filter(verb=f"certification.{action}").latest("pk")
    assert (event.action, event.status_before, event.status_after) == (action, before, after)
    assert event.by == office_user
    assert event.reason == "Because."
    assert entry.actor == office_user
    assert entry.organization_id == draft.organization_id
    assert entry.data["before"] == before and entry.data["after"] == after


@pytest.mark.parametrize("action", sorted(APPLICATION_REASON_REQUIRED))
def test_actions_that_need_a_reason_refuse_without_one(action, draft, office_user):
    state = next(iter(APPLICATION_EDGES[action]))
    set_status(draft, state)
    with pytest.raises(DomainError, match="reason"), transaction.atomic():
        application_transition(locked_application(draft), action, by=office_user, reason="   ")
    draft.refresh_from_db()
    assert draft.status == state
    assert events(draft) == []


def test_withdraw_is_an_edge_of_every_open_state_only():
    sources = set(APPLICATION_EDGES["withdraw"])
    assert sources == set(OPEN_STATES)
    assert {S.DECIDED, S.REJECTED, S.WITHDRAWN}.isdisjoint(sources)


# --- The path through the services ----------------------------------------------------------


@pytest.mark.through_services  # the draft's creation is logged first
def test_happy_path_walks_every_step_and_records_it(walk, alice, office2):
    application = walk(S.DECIDED)

    assert events(application) == [
        ("submit", S.DRAFT, S.SUBMITTED),
        ("accept", S.SUBMITTED, S.ACCEPTED),
        ("assign", S.ACCEPTED, S.AUDITOR_ASSIGNED),
        ("start_self_assessment", S.AUDITOR_ASSIGNED, S.SELF_ASSESSMENT),
        ("submit_self_assessment", S.SELF_ASSESSMENT, S.AUDIT),
        ("submit_report", S.AUDIT, S.REPORT_SUBMITTED),
        ("decide", S.REPORT_SUBMITTED, S.DECIDED),
    ]
    verbs = activity_verbs(application)
    for action, _before, _after in events(application):
        assert f"certification.{action}" in verbs
    assert verbs[0] == "certification.created"
    assert application.submitted_at is not None
    assert application.decided_by == office2
    assert application.decision == "grant"
    with scopes_disabled():
        assert not AuditorAssignment.objects.filter(
            application=application, status=AssignmentStatus.ACTIVE
        ).exists()


def test_corrective_actions_and_resume(walk, auditor_user):
    application = walk(S.CORRECTIVE_ACTIONS)

    audit_resume(application=application, by=auditor_user)
    application.refresh_from_db()

    assert application.status == S.AUDIT
    assert [e[0] for e in events(application)][-2:] == ["request_corrections", "resume_audit"]


def test_request_corrections_needs_an_open_nonconformity(walk, auditor_user):
    application = walk(S.AUDIT)

    with pytest.raises(DomainError, match="no open nonconformity"):
        audit_request_corrections(application=application, by=auditor_user)
    application.refresh_from_db()
    assert application.status == S.AUDIT


def test_returned_application_is_completed_and_resubmitted(walk, alice, office_user):
    application = walk(S.RETURNED)
    assert application.status_reason == "More scope."

    application_update(
        application=application,
        by=alice,
        scope_description="Whole company incl. services",
        window_start=application.window_start,
        window_end=application.window_end,
    )
    application_submit(application=application, by=alice)
    application.refresh_from_db()

    assert application.status == S.SUBMITTED
    assert application.scope_description == "Whole company incl. services"
    assert [e[0] for e in events(application)] == ["submit", "return", "submit"]
    application_accept(application=application, by=office_user)
    application.refresh_from_db()
    assert application.status == S.ACCEPTED


def test_update_refused_once_submitted(walk, alice):
    application = walk(S.SUBMITTED)

    with pytest.raises(TransitionNotAllowed):
        application_update(
            application=application,
            by=alice,
            scope_description="Changed",
            window_start=application.window_start,
            window_end=application.window_end,
        )
    application.refresh_from_db()
    assert application.scope_description != "Changed"


@pytest.mark.parametrize("start", [S.SUBMITTED, S.RETURNED])
def test_reject_with_reason(start, walk, office_user):
    application = walk(start)

    application_reject(application=application, by=office_user, reason="Out of scope.")
    application.refresh_from_db()

    assert application.status == S.REJECTED
    assert application.status_reason == "Out of scope."
    # Rejected is final: neither resubmission nor withdrawal.
    with pytest.raises(TransitionNotAllowed):
        application_submit(application=application, by=application.created_by)


@pytest.mark.parametrize("service", ["application_return", "application_reject"])
def test_return_and_reject_need_a_reason(service, walk, office_user):
    application = walk(S.SUBMITTED)

    with pytest.raises(DomainError, match="reason"):
        getattr(application_services, service)(application=application, by=office_user, reason=" ")
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


@pytest.mark.parametrize("service", ["application_accept", "application_return"])
def test_review_refused_outside_submitted(service, walk, office_user):
    application = walk(S.DRAFT)

    with pytest.raises(TransitionNotAllowed):
        getattr(application_services, service)(
            application=application, by=office_user, reason="Why"
        )
    assert events(application) == []


@pytest.mark.parametrize("service", ["application_accept", "application_return"])
def test_review_is_for_the_office_only(service, walk, alice, auditor_user):
    application = walk(S.SUBMITTED)
    # An office member without the reviewer role is refused like anyone outside the office.
    certifier = make_office(UserFactory(full_name="Cora Certifier"), OfficeRole.CERTIFIER)

    for user in (alice, auditor_user, certifier):
        with pytest.raises(DomainError, match="the role “Reviewer”") as caught:
            getattr(application_services, service)(application=application, by=user, reason="Why")
        assert caught.value.code == "office_role"
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


def test_submit_twice_is_refused(walk, alice):
    application = walk(S.SUBMITTED)

    with pytest.raises(TransitionNotAllowed):
        application_submit(application=application, by=alice)
    assert len(events(application)) == 1


def test_submit_only_by_owners_and_admins(walk, bob, charlie):
    application = walk(S.DRAFT)

    for user in (bob, charlie):
        with pytest.raises(DomainError, match="owner or admin"):
            application_submit(application=application, by=user)
    application.refresh_from_db()
    assert application.status == S.DRAFT


@pytest.mark.parametrize("state", OPEN_STATES)
def test_withdraw_from_each_open_state_ends_assignments(state, walk, alice):
    application = walk(state)

    application_withdraw(application=application, by=alice, reason="Not now.")
    application.refresh_from_db()

    assert application.status == S.WITHDRAWN
    assert events(application)[-1] == ("withdraw", state, S.WITHDRAWN)
    assert "certification.withdraw" in activity_verbs(application)
    with scopes_disabled():
        statuses = set(
            AuditorAssignment.objects.filter(application=application).values_list(
                "status", flat=True
            )
        )
    assert AssignmentStatus.ACTIVE not in statuses


@pytest.mark.parametrize("state", [S.WITHDRAWN, S.REJECTED, S.DECIDED])
def test_withdraw_refused_from_closed_states(state, walk, alice):
    application = walk(state)
    before = events(application)

    with pytest.raises(TransitionNotAllowed):
        application_withdraw(application=application, by=alice)
    assert events(application) == before


def test_withdraw_only_by_owners_and_admins(walk, bob):
    application = walk(S.SUBMITTED)

    with pytest.raises(DomainError, match="owner or admin"):
        application_withdraw(application=application, by=bob)
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


def test_reopen_audit_needs_a_reason_and_clears_the_recommendation(walk, office_user):
    application = walk(S.REPORT_SUBMITTED)

    with pytest.raises(DomainError, match="reason"):
        application_reopen_audit(application=application, by=office_user, reason="")
    application.refresh_from_db()
    assert application.status == S.REPORT_SUBMITTED
    assert application.recommendation == "grant"

    application_reopen_audit(application=application, by=office_user, reason="Check 2.4 again.")
    application.refresh_from_db()
    assert application.status == S.AUDIT
    assert application.recommendation == ""
    assert application.report_submitted_at is None
    assert application.status_reason == "Check 2.4 again."


def test_reopen_audit_is_for_the_office_only(walk, auditor_user, alice):
    application = walk(S.REPORT_SUBMITTED)

    for user in (auditor_user, alice):
        with pytest.raises(DomainError, match="CPO office"):
            application_reopen_audit(application=application, by=user, reason="Again")
    application.refresh_from_db()
    assert application.status == S.REPORT_SUBMITTED


# --- Whom each step tells -------------------------------------------------------------------


def recipients(mailoutbox):
    """Who got each message (the same subject and text), one list per message; every person
    gets a copy of their own."""
    assert all(len(m.to) == 1 for m in mailoutbox)
    by_message: dict[tuple[str, str], list[str]] = {}
    for message in mailoutbox:
        by_message.setdefault((message.subject, message.body), []).extend(message.to)
    return [sorted(addresses) for addresses in by_message.values()]


def test_submit_tells_the_office(walk, alice, mailoutbox, django_capture_on_commit_callbacks):
    application = walk(S.DRAFT)

    with django_capture_on_commit_callbacks(execute=True):
        application_submit(application=application, by=alice)

    assert recipients(mailoutbox) == [OFFICE]
    assert "/office/" in mailoutbox[0].body


@pytest.mark.parametrize(
    ("service", "status"),
    [
        ("application_accept", "Accepted"),
        ("application_return", "Returned for completion"),
        ("application_reject", "Rejected"),
    ],
)
def test_review_tells_the_company_with_the_reason(
    service, status, walk, office_user, mailoutbox, django_capture_on_commit_callbacks
):
    application = walk(S.SUBMITTED)

    with django_capture_on_commit_callbacks(execute=True):
        getattr(application_services, service)(
            application=application, by=office_user, reason="Scope vague."
        )

    assert recipients(mailoutbox) == [["alice@example.org"]]  # owner; bob is a plain member
    message = mailoutbox[0]
    assert status in message.subject
    assert "Scope vague." in message.body
    assert f"/o/{application.organization.slug}/" in message.body


def test_assignment_tells_auditor_and_company(
    walk, office_user, lead, mailoutbox, django_capture_on_commit_callbacks
):
    application = walk(S.ACCEPTED)

    with django_capture_on_commit_callbacks(execute=True):
        auditor_assign(application=application, auditor=lead, role="lead", by=office_user)

    assert recipients(mailoutbox) == [["auditor@example.org"], ["alice@example.org"]]
    assert f"/audit/{application.pk}/" in mailoutbox[0].body


def test_self_assessment_submission_tells_auditors_and_office(
    walk, alice, mailoutbox, django_capture_on_commit_callbacks
):
    application = walk(S.AUDITOR_ASSIGNED)
    answer_all(application, alice)

    with django_capture_on_commit_callbacks(execute=True):
        self_assessment_submit(application=application, by=alice)

    assert recipients(mailoutbox) == [
        ["auditor@example.org"],
        OFFICE,
    ]


def test_decision_tells_company_and_auditors(
    walk, office2, mailoutbox, django_capture_on_commit_callbacks
):
    application = walk(S.REPORT_SUBMITTED)

    with django_capture_on_commit_callbacks(execute=True):
        application_decide(
            application=application, decision="deny", rationale="Not enough.", by=office2
        )

    assert recipients(mailoutbox) == [["alice@example.org"], ["auditor@example.org"]]
    assert all("Deny" in m.subject for m in mailoutbox)


def test_withdrawal_in_audit_tells_auditors_and_office(
    walk, alice, mailoutbox, django_capture_on_commit_callbacks
):
    application = walk(S.AUDIT)

    with django_capture_on_commit_callbacks(execute=True):
        application_withdraw(application=application, by=alice, reason="Budget.")

    assert recipients(mailoutbox) == [
        ["auditor@example.org"],
        OFFICE,
    ]


def test_resuming_the_audit_tells_the_company_and_the_co_auditor(
    walk, office_user, auditor_user, co, mailoutbox, django_capture_on_commit_callbacks
):
    application = walk(S.CORRECTIVE_ACTIONS)
    auditor_assign(application=application, auditor=co, role="co", by=office_user)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        audit_resume(application=application, by=auditor_user)

    # The lead resumed it: told are the company's admins and the co-auditor, not the lead.
    assert recipients(mailoutbox) == [["alice@example.org"], ["co@example.org"]]
    company, co_auditor = mailoutbox
    assert all("Audit resumed" in m.subject for m in mailoutbox)
    assert f"/o/{application.organization.slug}/" in company.body
    assert f"/audit/{application.pk}/" in co_auditor.body
    assert "Status: Audit\n" in company.body


def test_withdrawing_a_draft_tells_nobody(
    walk, alice, mailoutbox, django_capture_on_commit_callbacks
):
    application = walk(S.DRAFT)

    with django_capture_on_commit_callbacks(execute=True):
        application_withdraw(application=application, by=alice)

    assert mailoutbox == []


def test_refused_step_sends_nothing(walk, alice, mailoutbox, django_capture_on_commit_callbacks):
    application = walk(S.DECIDED)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TransitionNotAllowed):
        application_withdraw(application=application, by=alice)

    assert mailoutbox == []


# --- Applying ---------------------------------------------------------------------------------


def application_count():
    with scopes_disabled():
        return Application.objects.count()


def test_owner_applies_for_the_organizational_certificate(alpha_signee, alpha, alice, catalogue):
    application = new_application(alpha, alice, product_name="ignored")

    assert application.status == S.DRAFT
    assert application.kind == "organizational"
    assert application.scheme.version == catalogue
    assert application.product_name == ""  # only products have one
    assert application.created_by == alice
    assert "certification.created" in activity_verbs(application)


def test_admin_may_apply(alpha_signee, alpha, bob):
    from cpo_portal.tenancy.models import Membership, Role

    with scopes_disabled():
        Membership.objects.filter(organization=alpha, user=bob).update(role=Role.ADMIN)

    assert new_application(alpha, bob).created_by == bob


@pytest.mark.parametrize("who", ["bob", "charlie", "office_user"])
def test_only_owners_and_admins_apply(who, request, alpha_signee, alpha):
    user = request.getfixturevalue(who)

    with pytest.raises(DomainError, match="owner or admin"):
        new_application(alpha, user)
    assert application_count() == 0


def test_a_pending_signee_cannot_apply(catalogue, beta, charlie):
    from signees.services.signing import signee_sign

    signee_sign(
        organization=beta,
        by=charlie,
        group="it_customer",
        signatory_name="Charlie",
        signatory_position="CEO",
        authority_confirmed=True,
    )

    with pytest.raises(DomainError, match="approved signees"):
        new_application(beta, charlie)
    assert application_count() == 0


def test_an_organization_that_never_signed_cannot_apply(catalogue, beta, charlie):
    with pytest.raises(DomainError, match="approved signees"):
        new_application(beta, charlie)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"scope_description": "  "}, "scope"),
        ({"window_start": None}, "audit window"),
        ({"window_end": "2027-04-01"}, "audit window"),
        ({"window_end": date(2027, 2, 1)}, "ends before it starts"),
        ({"kind": "space"}, "organizational or the product"),
        ({"kind": "product", "product_name": ""}, "name and version"),
        ({"kind": "product", "product_version": " "}, "name and version"),
    ],
)
def test_bad_application_input_is_refused(changes, message, alpha_signee, alpha, alice):
    organizational_grant_record(
        organization=alpha,
        reference="ORG-1",
        valid_until=timezone.localdate() + timedelta(days=365),
        by=_office_user(),
    )
    kind = changes.pop("kind", "organizational")

    with pytest.raises(DomainError, match=message):
        new_application(alpha, alice, kind=kind, **changes)
    assert application_count() == 0


def _office_user():
    from cpo_portal.accounts.models import User

    return User.objects.get(email="office@example.org")


def test_product_application_needs_a_valid_organizational_certification(alpha_signee, alpha, alice):
    with pytest.raises(DomainError) as caught:
        new_application(alpha, alice, kind="product")

    assert caught.value.code == "organizational_required"
    assert "organizational certificate" in caught.value.message
    assert application_count() == 0


def test_product_application_allowed_with_a_recorded_grant(alpha_signee, alpha, alice, office_user):
    grant = organizational_grant_record(
        organization=alpha,
        reference="CPO-ORG-2024-7",
        valid_until=timezone.localdate() + timedelta(days=30),
        by=office_user,
    )

    application = new_application(alpha, alice, kind="product")

    assert (application.kind, application.product_name) == ("product", "Alpha PLM")
    assert grant.recorded_by == office_user


@pytest.mark.parametrize("problem", ["expired", "revoked"])
def test_expired_or_revoked_grant_does_not_count(problem, alpha_signee, alpha, alice, office_user):
    from certification.models import OrganizationalGrant

    grant = organizational_grant_record(
        organization=alpha, reference="G", valid_until=timezone.localdate(), by=office_user
    )
    with scopes_disabled():
        if problem == "expired":
            OrganizationalGrant.objects.filter(pk=grant.pk).update(
                valid_until=timezone.localdate() - timedelta(days=1)
            )
        else:
            OrganizationalGrant.objects.filter(pk=grant.pk).update(revoked_at=timezone.now())

    with pytest.raises(DomainError) as caught:
        new_application(alpha, alice, kind="product")
    assert caught.value.code == "organizational_required"


def test_product_application_allowed_after_a_granted_organizational_one(walk, alpha, alice):
    walk(S.DECIDED)  # organizational, granted

    assert new_application(alpha, alice, kind="product").kind == "product"


def test_a_denied_organizational_application_does_not_count(walk, alpha, alice, office2):
    application = walk(S.REPORT_SUBMITTED)
    application_decide(application=application, decision="deny", rationale="No.", by=office2)

    with pytest.raises(DomainError) as caught:
        new_application(alpha, alice, kind="product")
    assert caught.value.code == "organizational_required"


def test_product_submission_rechecks_the_precondition(alpha_signee, alpha, alice, office_user):
    from certification.models import OrganizationalGrant

    grant = organizational_grant_record(
        organization=alpha, reference="G", valid_until=timezone.localdate(), by=office_user
    )
    application = new_application(alpha, alice, kind="product")
    with scopes_disabled():
        OrganizationalGrant.objects.filter(pk=grant.pk).update(revoked_at=timezone.now())

    with pytest.raises(DomainError) as caught:
        application_submit(application=application, by=alice)
    assert caught.value.code == "organizational_required"
    application.refresh_from_db()
    assert application.status == S.DRAFT


@pytest.mark.parametrize(
    ("who", "reference", "days", "message"),
    [
        ("alice", "G", 10, "CPO office"),
        ("office_user", " ", 10, "reference"),
        ("office_user", "G", -1, "ended"),
    ],
)
def test_grant_record_refusals(who, reference, days, message, request, alpha):
    from certification.models import OrganizationalGrant

    with pytest.raises(DomainError, match=message):
        organizational_grant_record(
            organization=alpha,
            reference=reference,
            valid_until=timezone.localdate() + timedelta(days=days),
            by=request.getfixturevalue(who),
        )
    with scopes_disabled():
        assert not OrganizationalGrant.objects.exists()


# --- The decision (four-eyes) -------------------------------------------------------------


def _decide(application, by, decision="grant", rationale="Report is conclusive."):
    return application_decide(
        application=application, decision=decision, rationale=rationale, by=by
    )


def _refused_decision(application, by, *, code=None, match=None, decision="grant"):
    before = events(application)
    with pytest.raises(DomainError, match=match) as caught:
        _decide(application, by, decision=decision)
    if code:
        assert caught.value.code == code
    application.refresh_from_db()
    assert application.status == S.REPORT_SUBMITTED
    assert application.decision == ""
    assert events(application) == before


def test_office_user_who_is_an_auditor_of_the_application_cannot_decide(walk, office_user, office2):
    application = walk(S.AUDIT)
    office_auditor = make_auditor(office_user)
    auditor_assign(application=application, auditor=office_auditor, role="co", by=office2)
    application = walk_on_to_report(application)

    _refused_decision(application, office_user, code="four_eyes", match="four-eyes")
    _decide(application, office2)


def test_office_auditor_cannot_decide_even_after_the_assignment_ended(walk, office_user, office2):
    application = walk(S.AUDIT)
    office_auditor = make_auditor(office_user)
    assignment = auditor_assign(
        application=application, auditor=office_auditor, role="co", by=office2
    )
    assignment_end(assignment=assignment, by=office2, reason="Moved to the office.")
    application = walk_on_to_report(application)

    _refused_decision(application, office_user, code="four_eyes")


def test_office_user_who_is_a_member_of_the_organization_cannot_decide(walk, office2, alpha):
    application = walk(S.REPORT_SUBMITTED)
    MembershipFactory(organization=alpha, user=office2)

    _refused_decision(application, office2, code="four_eyes", match="belong")


@pytest.mark.parametrize("who", ["alice", "auditor_user", "charlie", "reviewer"])
def test_only_the_office_decides(who, walk, request):
    application = walk(S.REPORT_SUBMITTED)
    if who == "reviewer":  # in the office, but without the certifier role
        by = make_office(UserFactory(full_name="Rita Reviewer"), OfficeRole.REVIEWER)
    else:
        by = request.getfixturevalue(who)

    _refused_decision(application, by, code="office_role", match="the role “Certifier”")


def test_grant_refused_while_the_pass_rule_fails_deny_allowed(walk, auditor_user, office2):
    application = walk(S.AUDIT)
    score_all(application, auditor_user)
    shall_one = criteria_of(application, "shall")[0]
    score(application, shall_one, "not_fulfilled", auditor_user)
    plan_for_report(application)
    report_submit(
        application=application, recommendation="deny", summary="2.x missing.", by=auditor_user
    )
    application.refresh_from_db()

    _refused_decision(application, office2, code="pass_rule", match=shall_one.code)
    decided = _decide(application, office2, decision="deny", rationale="Shall criterion unmet.")

    assert (decided.status, decided.decision) == (S.DECIDED, "deny")
    assert decided.decision_rationale == "Shall criterion unmet."


@pytest.mark.parametrize(("decision", "rationale"), [("maybe", "Why"), ("grant", "   ")])
def test_decision_input_is_checked(decision, rationale, walk, office2):
    application = walk(S.REPORT_SUBMITTED)

    with pytest.raises(DomainError):
        _decide(application, office2, decision=decision, rationale=rationale)
    application.refresh_from_db()
    assert application.status == S.REPORT_SUBMITTED


def test_decision_outside_report_submitted_is_refused(walk, office2):
    application = walk(S.AUDIT)

    with pytest.raises(TransitionNotAllowed):
        _decide(application, office2)
    application.refresh_from_db()
    assert application.status == S.AUDIT


def test_a_decided_application_cannot_be_decided_again(walk, office2, office_user):
    application = walk(S.DECIDED)

    with pytest.raises(TransitionNotAllowed):
        _decide(application, office_user, decision="deny")
    application.refresh_from_db()
    assert application.decision == "grant"


def walk_on_to_report(application):
    from cpo_portal.accounts.models import User

    lead_user = User.objects.get(email="auditor@example.org")
    score_all(application, lead_user)
    plan_for_report(application)
    report_submit(application=application, recommendation="grant", summary="Met.", by=lead_user)
    application.refresh_from_db()
    return application
