"""Evaluation planning (ISO/IEC 17065 §7.4, ISO/IEC 17021-1 §9.2): drafting, sending and
confirming the audit plan, the company's objections to auditors and the office's decision,
and the gate of the audit report."""

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import (
    AssignmentStatus,
    AuditorAssignment,
    AuditorObjection,
    AuditPlan,
    CertificationPolicy,
    Deadline,
    ObjectionStatus,
)
from certification.selectors.plans import (
    draft_plan_of,
    office_objection_queue,
    plan_of,
    upheld_objection_against,
)
from certification.services import auditors, plans
from certification.services.audits import report_submit
from cpo_portal.activity.models import ActivityEntry
from cpo_portal.errors import DomainError
from tests.factories import UserFactory, make_office

from .helpers import raise_objection, refreshed, score_all, send_plan

pytestmark = pytest.mark.django_db

# The fixtures' audit window is March 2027; the tests plan in December 2026.
NOW = timezone.make_aware(timezone.datetime(2026, 12, 7, 10, 0))


@pytest.fixture(autouse=True)
def _december():
    with time_machine.travel(NOW, tick=False):
        yield


def verbs():
    with scopes_disabled():
        return list(ActivityEntry.objects.order_by("pk").values_list("verb", flat=True))


def values_of(plan, **changes):
    fields = {
        "start_date": plan.start_date,
        "end_date": plan.end_date,
        "mode": plan.mode,
        "site_count": plan.site_count,
        "sites": plan.sites,
        "method": plan.method,
        "person_days": plan.person_days,
        "person_days_reason": plan.person_days_reason,
    }
    return plans.PlanValues(**(fields | changes))


def items_of(plan, **changes):
    with scopes_disabled():
        rows = list(plan.items.order_by("position"))
    return [
        plans.PlanItemInput(
            date=i.date,
            area_id=i.area_id,
            topic=i.topic,
            start_time=i.start_time,
            end_time=i.end_time,
            auditor_id=i.auditor_id,
        )
        for i in rows
    ]


def save(plan, by, *, items=None, expected=None, **changes):
    return plans.plan_save(
        plan=plan,
        values=values_of(plan, **changes),
        items=items_of(plan) if items is None else items,
        expected_version=plan.version if expected is None else expected,
        by=by,
    )


# --- Drafting ------------------------------------------------------------------------------------


def test_the_lead_auditor_drafts_the_first_plan_prefilled(assigned, lead, auditor_user):
    plan = plans.plan_draft(application=assigned, by=auditor_user)

    assert (plan.number, plan.status, plan.mode, plan.site_count) == (1, "draft", "remote", 1)
    assert plan.start_date == assigned.window_start == date(2027, 3, 1)
    # Eight organizational subject areas: 1.5 + 4 × 0.25 = 2.5 person-days, three days.
    assert plan.person_days == plan.person_days_rule == Decimal("2.5")
    assert plan.end_date == date(2027, 3, 3)
    with scopes_disabled():
        rows = list(plan.items.order_by("position"))
    assert [r.topic for r in rows[:1] + rows[-1:]] == ["Opening meeting", "Closing meeting"]
    assert len([r for r in rows if r.area_id]) == 8
    assert {r.auditor_id for r in rows if r.area_id} == {lead.pk}
    assert verbs()[-1] == "certification.plan_drafted"
    assert draft_plan_of(assigned) == plan and plan_of(assigned) is None


def test_an_office_reviewer_drafts_but_no_other_office_role(assigned, office_user):
    certifier = make_office(UserFactory(email="cert@example.org"), "certifier")
    with pytest.raises(DomainError, match="office reviewer or the lead auditor"):
        plans.plan_draft(application=assigned, by=certifier)
    reviewer = make_office(UserFactory(email="rev@example.org"), "reviewer")
    assert plans.plan_draft(application=assigned, by=reviewer).created_by == reviewer


def test_a_co_auditor_or_the_company_cannot_draft(assigned, co, co_user, office_user, alice):
    auditors.auditor_assign(application=assigned, auditor=co, role="co", by=office_user)
    for user in (co_user, alice, None):
        with pytest.raises(DomainError, match="office reviewer or the lead auditor"):
            plans.plan_draft(application=assigned, by=user)


def test_no_plan_before_a_lead_auditor_is_assigned(accepted, office_user):
    with pytest.raises(DomainError, match="cannot be planned while the application is"):
        plans.plan_draft(application=accepted, by=office_user)


def test_one_draft_at_a_time(assigned, auditor_user, office_user):
    plans.plan_draft(application=assigned, by=auditor_user)
    with pytest.raises(DomainError, match="already being prepared"):
        plans.plan_draft(application=assigned, by=office_user)
    with scopes_disabled():
        assert AuditPlan.objects.filter(application=assigned).count() == 1


def test_a_draft_can_be_discarded(assigned, auditor_user):
    plan = plans.plan_draft(application=assigned, by=auditor_user)
    plans.plan_discard(plan=plan, by=auditor_user)
    assert draft_plan_of(assigned) is None
    assert verbs()[-1] == "certification.plan_discarded"


# --- Saving the draft ----------------------------------------------------------------------------


def test_saving_replaces_the_agenda_and_counts_the_version(assigned, auditor_user):
    plan = plans.plan_draft(application=assigned, by=auditor_user)
    items = items_of(plan)
    items[1] = plans.PlanItemInput(
        date=date(2027, 3, 2),
        area_id=items[1].area_id,
        start_time=time(10),
        end_time=time(12),
        auditor_id=items[1].auditor_id,
    )
    saved = save(plan, auditor_user, items=items, mode="hybrid", sites="Darmstadt HQ")

    plan = refreshed(saved.plan)
    assert (plan.version, plan.mode, plan.sites) == (2, "hybrid", "Darmstadt HQ")
    with scopes_disabled():
        second = plan.items.get(position=1)
    assert (second.date, second.start_time, second.end_time) == (
        date(2027, 3, 2),
        time(10),
        time(12),
    )
    assert saved.warnings == []


def test_a_second_editor_is_told_not_overwritten(assigned, auditor_user, office_user):
    plan = plans.plan_draft(application=assigned, by=auditor_user)
    started_from = plan.version
    save(plan, office_user, expected=started_from, method="Interviews only.")
    with pytest.raises(plans.PlanConflict) as refused:
        save(plan, auditor_user, expected=started_from, method="Documents only.")
    assert refused.value.current.method == "Interviews only."
    assert "changed by Olga Office" in refused.value.messages[0]
    assert refreshed(plan).method == "Interviews only."


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end_date": date(2027, 2, 28)}, "ends before it begins"),
        (
            {"start_date": date(2026, 12, 20), "end_date": date(2026, 12, 21)},
            "more than 60 days outside the audit window",
        ),
        ({"end_date": date(2027, 4, 15)}, "at most 31 days"),
        ({"person_days": Decimal("4")}, "give the reason for planning 4.00 instead"),
        ({"site_count": 0}, "between 1 and"),
    ],
)
def test_bad_plans_are_refused_with_the_reason(assigned, auditor_user, changes, message):
    plan = plans.plan_draft(application=assigned, by=auditor_user)
    with pytest.raises(DomainError, match=message):
        save(plan, auditor_user, **changes)
    assert refreshed(plan).version == 1


def test_a_different_duration_with_a_reason_is_kept_beside_the_rule(assigned, auditor_user):
    plan = plans.plan_draft(application=assigned, by=auditor_user)
    save(plan, auditor_user, person_days=Decimal("4"), person_days_reason="Two products.")
    plan = refreshed(plan)
    assert (plan.person_days, plan.person_days_rule) == (Decimal("4.00"), Decimal("2.50"))
    assert plan.person_days_reason == "Two products."


def test_more_sites_change_the_rule(assigned, auditor_user):
    plan = plans.plan_draft(application=assigned, by=auditor_user)
    save(plan, auditor_user, site_count=3, person_days=None)
    assert refreshed(plan).person_days == refreshed(plan).person_days_rule == Decimal("3.5")


def test_dates_near_the_window_are_saved_with_a_warning(assigned, auditor_user):
    plan = plans.plan_draft(application=assigned, by=auditor_user)
    items = [
        plans.PlanItemInput(**{**i.__dict__, "date": date(2027, 4, 5)}) for i in items_of(plan)
    ]
    saved = save(
        plan, auditor_user, items=items, start_date=date(2027, 4, 5), end_date=date(2027, 4, 6)
    )
    assert len(saved.warnings) == 1 and "outside the audit window" in saved.warnings[0]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"date": date(2027, 3, 9)}, "the date lies outside the audit dates"),
        ({"start_time": time(12), "end_time": time(11)}, "it ends before it begins"),
        ({"area_id": None, "topic": ""}, "choose a subject area or name the topic"),
        ({"auditor_id": 0}, "the auditor is not on the audit team"),
    ],
)
def test_bad_agenda_rows_are_refused(assigned, auditor_user, row, message):
    plan = plans.plan_draft(application=assigned, by=auditor_user)
    items = items_of(plan)
    items[2] = plans.PlanItemInput(**{**items[2].__dict__, **row})
    with pytest.raises(DomainError, match=f"Agenda row 3: {message}"):
        save(plan, auditor_user, items=items)


# --- Sending -------------------------------------------------------------------------------------


def test_sending_records_the_team_and_the_objection_window(
    assigned, lead, auditor_user, alice, bob, mailoutbox, django_capture_on_commit_callbacks
):
    CertificationPolicy.objects.update_or_create(pk=1, defaults={"objection_days": 10})
    plan = plans.plan_draft(application=assigned, by=auditor_user)
    with django_capture_on_commit_callbacks(execute=True):
        plan = plans.plan_send(plan=plan, by=auditor_user)

    assert plan.status == "sent" and plan.sent_by == auditor_user and plan.sent_at == NOW
    assert plan.objection_deadline == date(2026, 12, 17)
    with scopes_disabled():
        assignment = AuditorAssignment.objects.get(application=assigned)
    assert plan.team == [
        {
            "auditor": lead.pk,
            "assignment": assignment.pk,
            "name": "Ada Auditor" if auditor_user.full_name == "Ada Auditor" else str(auditor_user),
            "role": "lead",
            "body": lead.organisation_name,
        }
    ]
    assert plan_of(assigned) == plan
    assert verbs()[-1] == "certification.plan_sent"
    # The company's owners and admins (not bob, a plain member), and the team.
    assert sorted(m.to[0] for m in mailoutbox) == sorted([alice.email, auditor_user.email])
    company = next(m for m in mailoutbox if m.to == [alice.email])
    assert "Audit plan (version 1)" in company.subject
    assert "17" in company.body and "object" in company.body
    assert f"/o/{assigned.organization.slug}/certification/{assigned.pk}/plan/" in company.body
    assert str(auditor_user) in company.body and "@" not in company.body.split("Audit team")[1][:80]


def test_the_plan_mail_follows_the_recipients_language(
    assigned, auditor_user, alice, mailoutbox, django_capture_on_commit_callbacks
):
    alice.language = "de"
    alice.save(update_fields=["language"])
    plan = plans.plan_draft(application=assigned, by=auditor_user)
    with django_capture_on_commit_callbacks(execute=True):
        plans.plan_send(plan=plan, by=auditor_user)
    german = next(m for m in mailoutbox if m.to == [alice.email])
    english = next(m for m in mailoutbox if m.to == [auditor_user.email])
    assert "Zertifizierungsantrag" in german.body and "Organisatorisch" in german.body
    assert "Certification application" in english.body


def test_every_subject_area_must_be_on_the_agenda(assigned, auditor_user):
    plan = plans.plan_draft(application=assigned, by=auditor_user)
    items = items_of(plan)
    save(plan, auditor_user, items=[i for i in items if i.area_id != items[1].area_id])
    with pytest.raises(DomainError, match="does not cover every subject area"):
        plans.plan_send(plan=refreshed(plan), by=auditor_user)
    assert refreshed(plan).status == "draft"


def test_an_on_site_audit_names_its_sites(assigned, auditor_user):
    plan = plans.plan_draft(application=assigned, by=auditor_user)
    save(plan, auditor_user, mode="on_site")
    with pytest.raises(DomainError, match="Name the sites"):
        plans.plan_send(plan=refreshed(plan), by=auditor_user)


def test_a_later_version_says_what_changed_and_replaces_the_one_in_force(
    assigned, auditor_user, office_user
):
    first = send_plan(assigned, auditor_user)
    second = plans.plan_draft(application=assigned, by=office_user)
    assert (second.number, second.person_days) == (2, first.person_days)
    with pytest.raises(DomainError, match="Say what changed"):
        plans.plan_send(plan=second, by=office_user)
    plans.plan_send(plan=second, by=office_user, change_note="One day later.")

    assert refreshed(first).status == "superseded"
    assert plan_of(assigned).number == 2 and plan_of(assigned).change_note == "One day later."
    with pytest.raises(DomainError, match="sent already"):
        plans.plan_send(plan=refreshed(second), by=office_user, change_note="Again.")


# --- The company confirms ------------------------------------------------------------------------


def test_an_owner_confirms_who_and_when_are_recorded(assigned, auditor_user, alice, bob):
    plan = send_plan(assigned, auditor_user)
    with pytest.raises(DomainError, match="owner or admin"):
        plans.plan_confirm(plan=plan, by=bob)
    plan = plans.plan_confirm(plan=plan, by=alice)
    assert (plan.status, plan.confirmed_by, plan.confirmed_at) == ("confirmed", alice, NOW)
    assert verbs()[-1] == "certification.plan_confirmed"
    with pytest.raises(DomainError, match="cannot be confirmed"):
        plans.plan_confirm(plan=plan, by=alice)


def test_a_superseded_plan_cannot_be_confirmed(assigned, auditor_user, alice):
    first = send_plan(assigned, auditor_user)
    send_plan(assigned, auditor_user, change_note="New dates.")
    with pytest.raises(DomainError, match="replaced by a later one"):
        plans.plan_confirm(plan=refreshed(first), by=alice)


# --- Objections ----------------------------------------------------------------------------------


@pytest.fixture
def sent(assigned, auditor_user):
    return send_plan(assigned, auditor_user)


@pytest.fixture
def lead_assignment(assigned):
    with scopes_disabled():
        return AuditorAssignment.objects.select_related("auditor__user").get(
            application=assigned, role="lead"
        )


def test_an_objection_opens_the_office_deadline_and_tells_the_reviewers(
    sent, lead_assignment, alice, office_user, mailoutbox, django_capture_on_commit_callbacks
):
    certifier = make_office(UserFactory(email="cert@example.org"), "certifier")
    with django_capture_on_commit_callbacks(execute=True):
        objection = raise_objection(sent, lead_assignment, alice)

    assert (objection.status, objection.raised_by) == ("pending", alice)
    with scopes_disabled():
        deadline = Deadline.objects.get(objection=objection)
    assert deadline.kind == "objection" and deadline.closed_at is None
    assert deadline.due_on == date(2026, 12, 12)  # five days by the default policy
    assert verbs()[-1] == "certification.objection_raised"
    assert [m.to for m in mailoutbox] == [[office_user.email]]
    assert certifier.email not in mailoutbox[0].to
    assert "competitor" in mailoutbox[0].body
    assert list(office_objection_queue()) == [objection]


def test_an_objection_after_the_deadline_is_refused_with_the_date(sent, lead_assignment, alice):
    late = time_machine.travel(NOW + timedelta(days=8), tick=False)
    with late, pytest.raises(DomainError, match="ended on 2026-12-14"):
        raise_objection(sent, lead_assignment, alice)
    with time_machine.travel(NOW + timedelta(days=7), tick=False):
        assert raise_objection(sent, lead_assignment, alice).status == "pending"


def test_objections_are_refused_for_a_superseded_plan_or_an_auditor_not_on_it(
    sent, assigned, lead_assignment, auditor_user, co, office_user, alice
):
    co_assignment = auditors.auditor_assign(
        application=assigned, auditor=co, role="co", by=office_user
    )
    with pytest.raises(DomainError, match="not on the audit team of this plan"):
        raise_objection(sent, co_assignment, alice)
    send_plan(assigned, auditor_user, change_note="Cora joins the team.")
    with pytest.raises(DomainError, match="replaced by a later one"):
        raise_objection(refreshed(sent), lead_assignment, alice)


def test_a_second_pending_objection_to_the_same_auditor_is_refused(sent, lead_assignment, alice):
    raise_objection(sent, lead_assignment, alice)
    with pytest.raises(DomainError, match="already awaits the office's decision"):
        raise_objection(sent, lead_assignment, alice, reason="Again.")


def test_only_owners_and_admins_object_with_a_reason(sent, lead_assignment, bob, alice):
    with pytest.raises(DomainError, match="owner or admin"):
        raise_objection(sent, lead_assignment, bob)
    with pytest.raises(DomainError, match="Give the reason"):
        raise_objection(sent, lead_assignment, alice, reason="  ")


def test_a_confirmed_plan_takes_no_objection(sent, lead_assignment, alice):
    plans.plan_confirm(plan=sent, by=alice)
    with pytest.raises(DomainError, match="You confirmed this plan"):
        raise_objection(refreshed(sent), lead_assignment, alice)


def test_upholding_ends_the_assignment_and_keeps_the_auditor_out(
    sent,
    assigned,
    lead,
    lead_assignment,
    alice,
    office_user,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    objection = raise_objection(sent, lead_assignment, alice)
    with django_capture_on_commit_callbacks(execute=True):
        plans.objection_uphold(objection=objection, reason="A real conflict.", by=office_user)

    objection = refreshed(objection)
    assert (objection.status, objection.decided_by, objection.decision_reason) == (
        "upheld",
        office_user,
        "A real conflict.",
    )
    assignment = refreshed(lead_assignment)
    assert assignment.status == AssignmentStatus.ENDED
    assert "objection to this auditor was upheld: A real conflict." in assignment.reason
    with scopes_disabled():
        assert Deadline.objects.get(objection=objection).closed_at == NOW
    assert upheld_objection_against(assigned, lead) == objection
    assert "certification.objection_upheld" in verbs()
    decided = [m for m in mailoutbox if "is decided" in m.subject]
    assert [m.to for m in decided] == [[alice.email]]
    assert "upheld" in decided[0].body and "A real conflict." in decided[0].body
    assert list(office_objection_queue()) == []


def test_dismissing_keeps_the_auditor_and_tells_the_company(
    sent, lead_assignment, alice, office_user, mailoutbox, django_capture_on_commit_callbacks
):
    objection = raise_objection(sent, lead_assignment, alice)
    with django_capture_on_commit_callbacks(execute=True):
        plans.objection_dismiss(objection=objection, reason="No link found.", by=office_user)
    assert refreshed(objection).status == "dismissed"
    assert refreshed(lead_assignment).status == AssignmentStatus.ACTIVE
    with scopes_disabled():
        assert Deadline.objects.get(objection=objection).closed_at is not None
    assert [m.to for m in mailoutbox] == [[alice.email]]
    assert "dismissed" in mailoutbox[0].body and "No link found." in mailoutbox[0].body


def test_objections_are_decided_once_by_a_reviewer_with_a_reason(
    sent, lead_assignment, alice, office_user
):
    objection = raise_objection(sent, lead_assignment, alice)
    certifier = make_office(UserFactory(email="cert@example.org"), "certifier")
    with pytest.raises(DomainError, match="Reviewer"):
        plans.objection_dismiss(objection=objection, reason="No.", by=certifier)
    with pytest.raises(DomainError, match="reason for the decision"):
        plans.objection_dismiss(objection=objection, reason="", by=office_user)
    plans.objection_dismiss(objection=objection, reason="No link.", by=office_user)
    with pytest.raises(DomainError, match="decided already"):
        plans.objection_uphold(objection=objection, reason="Yes.", by=office_user)
    with scopes_disabled():
        assert AuditorObjection.objects.get().status == ObjectionStatus.DISMISSED


def test_a_plan_is_not_sent_while_an_objection_waits(sent, assigned, lead_assignment, alice):
    raise_objection(sent, lead_assignment, alice)
    draft = plans.plan_draft(application=assigned, by=lead_assignment.auditor.user)
    with pytest.raises(DomainError, match="decide it first"):
        plans.plan_send(plan=draft, by=lead_assignment.auditor.user, change_note="x")


# --- The gate of the report ----------------------------------------------------------------------


def report(application, user):
    return report_submit(application=application, recommendation="grant", summary="Met.", by=user)


def test_the_report_waits_for_a_plan_sent(in_audit, auditor_user):
    score_all(in_audit, auditor_user)
    with pytest.raises(DomainError, match="Send the audit plan"):
        report(in_audit, auditor_user)
    plan = plans.plan_draft(application=in_audit, by=auditor_user)
    with pytest.raises(DomainError, match="Send the audit plan"):
        report(in_audit, auditor_user)  # a draft is not enough
    plans.plan_send(plan=plan, by=auditor_user)
    assert report(in_audit, auditor_user).status == "report_submitted"


def test_the_report_waits_for_the_objection_and_the_revised_plan(
    in_audit, auditor_user, lead, alice, office_user, co, co_user
):
    auditors.auditor_assign(application=in_audit, auditor=co, role="co", by=office_user)
    plan = send_plan(in_audit, auditor_user)
    score_all(in_audit, auditor_user)
    with scopes_disabled():
        co_assignment = AuditorAssignment.objects.get(application=in_audit, auditor=co)
    objection = raise_objection(plan, co_assignment, alice)
    with pytest.raises(DomainError, match="awaits the office's decision"):
        report(in_audit, auditor_user)
    plans.objection_uphold(objection=objection, reason="Conflict.", by=office_user)
    with pytest.raises(DomainError, match="send the revised plan"):
        report(in_audit, auditor_user)
    send_plan(in_audit, auditor_user, change_note="Without Cora.")
    assert report(in_audit, auditor_user).status == "report_submitted"
    assert [m["name"] for m in plan_of(refreshed(in_audit)).team] == [str(auditor_user)]


# --- The whole objection: replaced, revised, reported ---------------------------------------------


def test_an_upheld_objection_leads_to_a_new_team_and_a_revised_plan(
    sent, assigned, lead, lead_assignment, co, co_user, alice, office_user
):
    objection = raise_objection(sent, lead_assignment, alice)
    plans.objection_uphold(objection=objection, reason="A real conflict.", by=office_user)
    assigned = refreshed(assigned)
    assert assigned.status == "accepted"  # the lead left before the self-assessment
    with pytest.raises(DomainError, match="objection to Arne Auditor in this case was upheld"):
        auditors.auditor_assign(application=assigned, auditor=lead, role="lead", by=office_user)
    auditors.auditor_assign(application=assigned, auditor=co, role="lead", by=office_user)

    revised = plans.plan_draft(application=refreshed(assigned), by=co_user)
    with scopes_disabled():
        assert revised.number == 2
        assert set(revised.items.values_list("auditor_id", flat=True)) == {None}
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        revised = plans.plan_send(plan=revised, by=co_user, change_note="Cora leads the audit.")
    assert [m["name"] for m in revised.team] == ["Cora Co-Auditor"]
    assert revised.objection_deadline == date(2026, 12, 17)  # a new window for the new team
    assert refreshed(sent).status == "superseded"
    assert plans.plan_confirm(plan=revised, by=alice).status == "confirmed"
