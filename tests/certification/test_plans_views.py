"""The planning pages: the office's and the lead auditor's plan, draft editor (a formset that
works without JavaScript, guarded by the draft's version) and send confirmation; the
company's plan, versions, confirmation and objection; the office's objection queue and
decision. Outsiders get 404; bounded queries."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import AuditorAssignment, AuditorObjection, AuditPlan
from certification.selectors.plans import draft_plan_of, plan_of
from certification.services import auditors, plans
from tests.factories import UserFactory, make_office

from .factories import ApplicationFactory, PlanFactory
from .helpers import raise_objection, refreshed, send_plan

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(timezone.datetime(2026, 12, 7, 10, 0))


@pytest.fixture(autouse=True)
def _december():
    with time_machine.travel(NOW, tick=False):
        yield


def url(name, **kwargs):
    return reverse(f"certification:{name}", kwargs=kwargs)


def org_url(name, application, **kwargs):
    return url(name, org_slug=application.organization.slug, pk=application.pk, **kwargs)


def login(client, user):
    client.force_login(user)
    return client


def lead_assignment(application):
    with scopes_disabled():
        return AuditorAssignment.objects.select_related("auditor__user").get(
            application=application, role="lead", status="active"
        )


def editor_data(plan, *, rows=None, **changes):
    """What the draft editor posts: the plan's fields and every agenda row (+ 2 blank)."""
    with scopes_disabled():
        items = list(plan.items.order_by("position"))
    rows = (
        rows
        if rows is not None
        else [
            {
                "area": i.area_id or "",
                "topic": i.topic,
                "date": i.date.isoformat(),
                "start_time": i.start_time.strftime("%H:%M") if i.start_time else "",
                "end_time": i.end_time.strftime("%H:%M") if i.end_time else "",
                "auditor": i.auditor_id or "",
            }
            for i in items
        ]
    )
    data = {
        "version": plan.version,
        "start_date": plan.start_date.isoformat(),
        "end_date": plan.end_date.isoformat(),
        "mode": plan.mode,
        "site_count": plan.site_count,
        "sites": plan.sites,
        "method": plan.method,
        "person_days": "",
        "person_days_reason": "",
        "form-TOTAL_FORMS": len(rows) + 2,
        "form-INITIAL_FORMS": len(rows),
        "form-MIN_NUM_FORMS": 0,
        "form-MAX_NUM_FORMS": 100,
        "save": "1",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"form-{index}-{name}"] = value
    return data | changes


# --- The office ----------------------------------------------------------------------------


def test_a_reviewer_drafts_edits_and_sends_the_plan(client, assigned, office_user, alice):
    login(client, office_user)
    page = client.get(url("office_plan", pk=assigned.pk))
    assert page.status_code == 200
    assert "Draft the audit plan" in page.content.decode()

    started = client.post(url("office_plan_draft", pk=assigned.pk), {"start": "1"})
    assert started.status_code == 302 and started["Location"] == url(
        "office_plan_draft", pk=assigned.pk
    )
    plan = draft_plan_of(assigned)
    editor = client.get(url("office_plan_draft", pk=assigned.pk)).content.decode()
    assert 'name="form-TOTAL_FORMS"' in editor and "Management" in editor
    # The draft's own values fill the form (a browser posts back what it shows).
    assert f'name="start_date" value="{plan.start_date.isoformat()}"' in editor
    assert f'name="end_date" value="{plan.end_date.isoformat()}"' in editor
    assert f'value="{plan.mode}"' in editor and "checked" in editor
    assert "1.5 base (Organizational) + 0.25 × 4 subject areas beyond 4 = 2.5" in editor

    data = editor_data(plan, mode="hybrid", sites="Darmstadt", site_count="2")
    data |= {"form-10-topic": "Site tour", "form-10-date": "2027-03-02"}
    saved = client.post(url("office_plan_draft", pk=assigned.pk), data)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    plan = refreshed(plan)
    assert (plan.mode, plan.site_count, str(plan.person_days)) == ("hybrid", 2, "3.00")
    with scopes_disabled():
        assert plan.items.filter(topic="Site tour").exists()
        assert plan.items.count() == 11

    confirm = client.get(url("office_plan_send", pk=assigned.pk)).content.decode()
    assert "Send version 1 of the audit plan?" in confirm and "14, 2026" in confirm
    sent = client.post(url("office_plan_send", pk=assigned.pk))
    assert sent.status_code == 302
    assert refreshed(plan).status == "sent"


def test_removing_an_agenda_row_and_a_stale_save(client, assigned, office_user, auditor_user):
    plan = plans.plan_draft(application=assigned, by=office_user)
    login(client, office_user)
    stale = editor_data(plan, **{"form-1-DELETE": "on"})
    # The lead auditor saves first.
    plans.plan_save(
        plan=plan,
        values=plans.PlanValues(
            start_date=plan.start_date,
            end_date=plan.end_date,
            mode="remote",
            site_count=1,
            method="The lead's method.",
        ),
        items=[],
        expected_version=plan.version,
        by=auditor_user,
    )
    refused = client.post(url("office_plan_draft", pk=assigned.pk), stale)
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "Not saved: the draft was changed in the meantime." in html
    assert "The lead&#x27;s method." in html and "Arne Auditor" in html
    assert refreshed(plan).method == "The lead's method."
    kept = client.post(
        url("office_plan_draft", pk=assigned.pk), stale | {"keep_version": refreshed(plan).version}
    )
    assert kept.status_code == 302
    with scopes_disabled():
        assert plan.items.count() == 9  # the opening meeting, 8 areas, the closing meeting, - 1


def test_a_refused_save_shows_the_reason_on_the_form(client, assigned, office_user):
    plan = plans.plan_draft(application=assigned, by=office_user)
    login(client, office_user)
    data = editor_data(plan, person_days="5")
    response = client.post(url("office_plan_draft", pk=assigned.pk), data)
    assert response.status_code == 422
    assert "give the reason for planning 5.00 instead" in response.content.decode()
    assert refreshed(plan).version == 1


def test_the_send_page_says_why_a_draft_cannot_go(client, assigned, office_user):
    plan = plans.plan_draft(application=assigned, by=office_user)
    plans.plan_save(
        plan=plan,
        values=plans.PlanValues(
            start_date=plan.start_date,
            end_date=plan.end_date,
            mode="on_site",
            site_count=1,
            method="M.",
        ),
        items=[],
        expected_version=None,
        by=office_user,
    )
    login(client, office_user)
    page = client.get(url("office_plan_send", pk=assigned.pk)).content.decode()
    assert "This draft cannot be sent yet" in page and "Name the sites" in page
    refused = client.post(url("office_plan_send", pk=assigned.pk))
    assert refused.status_code == 422
    assert refreshed(plan).status == "draft"


def test_a_later_version_asks_what_changed(client, assigned, office_user):
    send_plan(assigned, office_user)
    plans.plan_draft(application=assigned, by=office_user)
    login(client, office_user)
    refused = client.post(url("office_plan_send", pk=assigned.pk))
    assert refused.status_code == 422
    sent = client.post(url("office_plan_send", pk=assigned.pk), {"change_note": "New dates."})
    assert sent.status_code == 302
    assert plan_of(assigned).number == 2


def test_office_members_without_the_reviewer_role_read_only(
    client, assigned, office_user, activate_totp
):
    plans.plan_draft(application=assigned, by=office_user)
    certifier = make_office(activate_totp(UserFactory(email="cert@example.org")), "certifier")
    login(client, certifier)
    page = client.get(url("office_plan", pk=assigned.pk)).content.decode()
    assert "Read the draft" in page and "Send it to the company" not in page
    editor = client.get(url("office_plan_draft", pk=assigned.pk))
    assert editor.status_code == 200 and "form-TOTAL_FORMS" not in editor.content.decode()
    client.post(url("office_plan_draft", pk=assigned.pk), {"discard": "1"})
    assert draft_plan_of(assigned) is not None
    assert client.get(url("office_plan_send", pk=assigned.pk)).status_code == 302


def test_the_office_decides_an_objection(client, assigned, auditor_user, alice, office_user):
    plan = send_plan(assigned, auditor_user)
    objection = raise_objection(plan, lead_assignment(assigned), alice)
    login(client, office_user)
    queue = client.get(url("office_objections")).content.decode()
    assert "Alpha" in queue and "Arne Auditor" in queue
    decide = url("office_objection", pk=assigned.pk, objection_id=objection.pk)
    page = client.get(decide).content.decode()
    assert "He worked for our competitor last year." in page and "12, 2026" in page
    refused = client.post(decide, {"decision": "uphold", "reason": ""})
    assert refused.status_code == 422
    done = client.post(decide, {"decision": "uphold", "reason": "A real conflict."})
    assert done["Location"] == url("office_application", pk=assigned.pk)
    assert refreshed(objection).status == "upheld"
    assert (
        "No objection awaits a decision." in client.get(url("office_objections")).content.decode()
    )


def test_only_reviewers_decide_objections(client, assigned, auditor_user, alice, activate_totp):
    plan = send_plan(assigned, auditor_user)
    objection = raise_objection(plan, lead_assignment(assigned), alice)
    certifier = make_office(activate_totp(UserFactory(email="cert@example.org")), "certifier")
    login(client, certifier)
    decide = url("office_objection", pk=assigned.pk, objection_id=objection.pk)
    assert "An office reviewer decides this objection." in client.get(decide).content.decode()
    client.post(decide, {"decision": "dismiss", "reason": "No."})
    assert refreshed(objection).status == "pending"


def test_an_objection_is_found_only_under_its_own_application(
    client, assigned, auditor_user, alice, office_user, beta, charlie, lead
):
    plan = send_plan(assigned, auditor_user)
    objection = raise_objection(plan, lead_assignment(assigned), alice)
    other = ApplicationFactory(organization=beta, office=office_user, lead=lead, assigned=True)
    login(client, office_user)
    assert (
        client.get(url("office_objection", pk=other.pk, objection_id=objection.pk)).status_code
        == 404
    )
    assert client.get(url("office_objection", pk=assigned.pk, objection_id=0)).status_code == 404


def test_the_objection_queue_is_paginated_in_bounded_queries(
    client, catalogue, office_user, django_assert_max_num_queries
):
    from tests.factories import OrganizationFactory

    def objections(count):
        for _ in range(count):
            application = ApplicationFactory(
                organization=OrganizationFactory(), office=office_user, assigned=True
            )
            plan = PlanFactory(application=application, sent=True)
            with scopes_disabled():
                AuditorObjection.objects.create(
                    plan=plan, assignment=lead_assignment(application), reason="Conflict."
                )

    login(client, office_user)
    objections(2)
    with django_assert_max_num_queries(12) as few:
        client.get(url("office_objections"))
    objections(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url("office_objections"))
    assert page.content.decode().count("Conflict") == 0  # the reason stays on its page
    assert page.content.decode().count('href="/office/certification/') >= 7


# --- The lead auditor ----------------------------------------------------------------------


def test_the_lead_auditor_drafts_and_sends(client, assigned, auditor_user):
    login(client, auditor_user)
    assert client.get(url("audit_plan", pk=assigned.pk)).status_code == 200
    client.post(url("audit_plan_draft", pk=assigned.pk), {"start": "1"})
    plan = draft_plan_of(assigned)
    assert plan.created_by == auditor_user
    saved = client.post(url("audit_plan_draft", pk=assigned.pk), editor_data(plan, send="1"))
    assert saved["Location"] == url("audit_plan_send", pk=assigned.pk)
    client.post(url("audit_plan_send", pk=assigned.pk))
    assert plan_of(assigned) == plan


def test_a_co_auditor_reads_the_plan_but_does_not_edit(
    client, assigned, co, co_user, office_user, auditor_user
):
    auditors.auditor_assign(application=assigned, auditor=co, role="co", by=office_user)
    send_plan(assigned, auditor_user)
    plans.plan_draft(application=assigned, by=auditor_user)
    login(client, co_user)
    page = client.get(url("audit_plan", pk=assigned.pk)).content.decode()
    assert "Plan in force" in page and "Arne Auditor" in page and "Edit the draft" not in page
    editor = client.get(url("audit_plan_draft", pk=assigned.pk)).content.decode()
    assert "Only an office reviewer or the lead auditor can change the draft." in editor
    client.post(url("audit_plan_send", pk=assigned.pk))
    assert refreshed(draft_plan_of(assigned)).status == "draft"


@pytest.mark.parametrize("name", ["audit_plan", "audit_plan_draft", "audit_plan_send"])
def test_an_unassigned_auditor_gets_404(client, assigned, name, activate_totp):
    from tests.certification.factories import AuditorFactory

    idle = activate_totp(UserFactory(email="idle@example.org"))
    AuditorFactory(user=idle, qualified=True)
    login(client, idle)
    assert client.get(url(name, pk=assigned.pk)).status_code == 404
    assert client.post(url(name, pk=assigned.pk), {"start": "1"}).status_code == 404
    assert draft_plan_of(assigned) is None


# --- The company ---------------------------------------------------------------------------


def test_members_read_the_plan_and_its_versions(client, assigned, auditor_user, bob):
    send_plan(assigned, auditor_user)
    plans.plan_draft(application=assigned, by=auditor_user)
    second = plans.plan_send(
        plan=draft_plan_of(assigned), by=auditor_user, change_note="Later start."
    )
    login(client, bob)
    page = client.get(org_url("plan", assigned)).content.decode()
    assert "The plan in force (version 2)" in page and "Later start." in page
    assert "Only owners and admins of the organization" in page
    assert "Confirm the plan" not in page
    assert client.get(org_url("plan_version", assigned, number=1)).status_code == 200
    detail = client.get(org_url("application", assigned)).content.decode()
    assert "Version 2 in force" in detail and org_url("plan", assigned) in detail
    assert second.number == 2


def test_a_draft_is_not_the_companys(client, assigned, auditor_user, alice):
    plans.plan_draft(application=assigned, by=auditor_user)
    login(client, alice)
    assert "No audit plan has been sent" in client.get(org_url("plan", assigned)).content.decode()
    assert client.get(org_url("plan_version", assigned, number=1)).status_code == 404
    assert client.get(org_url("plan_confirm", assigned)).status_code == 302


def test_an_owner_confirms_on_a_confirmation_page(client, assigned, auditor_user, alice, bob):
    plan = send_plan(assigned, auditor_user)
    login(client, bob)
    assert client.get(org_url("plan_confirm", assigned)).status_code == 403
    login(client, alice)
    page = client.get(org_url("plan_confirm", assigned)).content.decode()
    assert "cannot be undone" in page
    assert client.post(org_url("plan_confirm", assigned)).status_code == 422  # not ticked
    done = client.post(org_url("plan_confirm", assigned), {"confirm": "on"})
    assert done.status_code == 302
    plan = refreshed(plan)
    assert (plan.status, plan.confirmed_by) == ("confirmed", alice)
    assert "You confirmed this plan" in client.get(org_url("plan", assigned)).content.decode()


def test_an_owner_objects_to_an_auditor(client, assigned, auditor_user, alice, lead):
    send_plan(assigned, auditor_user)
    login(client, alice)
    form = client.get(org_url("plan_object", assigned)).content.decode()
    assert "Arne Auditor (Lead auditor)" in form
    assignment = lead_assignment(assigned)
    done = client.post(
        org_url("plan_object", assigned),
        {"assignment": assignment.pk, "reason": "Our former employee."},
    )
    assert done.status_code == 302
    with scopes_disabled():
        objection = AuditorObjection.objects.get()
    assert (objection.assignment, objection.reason) == (assignment, "Our former employee.")
    page = client.get(org_url("plan", assigned)).content.decode()
    assert "awaits the CPO office" in page and "Our former employee." in page


def test_an_objection_after_the_deadline_is_refused_with_the_date(
    client, assigned, auditor_user, alice
):
    send_plan(assigned, auditor_user)
    login(client, alice)
    with time_machine.travel(NOW + timedelta(days=9), tick=False):
        refused = client.post(
            org_url("plan_object", assigned),
            {"assignment": lead_assignment(assigned).pk, "reason": "Late."},
        )
    assert refused.status_code == 422
    assert "ended on 2026-12-14" in refused.content.decode()
    with scopes_disabled():
        assert not AuditorObjection.objects.exists()


def test_another_organizations_member_gets_404(client, assigned, auditor_user, charlie, beta):
    send_plan(assigned, auditor_user)
    login(client, charlie)
    for name, extra in [
        ("plan", {}),
        ("plan_confirm", {}),
        ("plan_object", {}),
        ("plan_version", {"number": 1}),
    ]:
        assert client.get(org_url(name, assigned, **extra)).status_code == 404
        other = url(name, org_slug=beta.slug, pk=assigned.pk, **extra)
        assert client.get(other).status_code == 404
    assert client.post(org_url("plan_confirm", assigned), {"confirm": "on"}).status_code == 404
    assert plan_of(assigned).status == "sent"


def test_the_office_record_shows_the_plan_summary(client, assigned, auditor_user, office_user):
    plan = send_plan(assigned, auditor_user)
    raise_objection(plan, lead_assignment(assigned), assigned.created_by)
    login(client, office_user)
    page = client.get(url("office_application", pk=assigned.pk)).content.decode()
    assert "Version 1 in force" in page
    assert "An objection to an auditor awaits the office's decision." in page
    assert url("office_plan", pk=assigned.pk) in page


def test_plan_pages_read_in_bounded_queries(
    client, assigned, auditor_user, alice, office_user, co, django_assert_max_num_queries
):
    """More versions, agenda rows and objections cost no more queries."""
    send_plan(assigned, auditor_user)
    pages = [(alice, org_url("plan", assigned)), (office_user, url("office_plan", pk=assigned.pk))]
    counts = []
    for user, page in pages:
        login(client, user)
        with django_assert_max_num_queries(40) as first:
            assert client.get(page).status_code == 200
        counts.append(len(first.captured_queries))
    auditors.auditor_assign(application=assigned, auditor=co, role="co", by=office_user)
    for number in (2, 3):
        plan = send_plan(assigned, auditor_user, change_note=f"Change {number}.")
    objection = raise_objection(plan, lead_assignment(assigned), alice)
    plans.objection_dismiss(objection=objection, reason="No.", by=office_user)
    with scopes_disabled():
        assert AuditPlan.objects.filter(application=assigned).count() == 3
    for (user, page), count in zip(pages, counts, strict=True):
        login(client, user)
        with django_assert_max_num_queries(count):
            assert client.get(page).status_code == 200


# --- Hostile input: never a 5xx, nothing written when refused ---------------------------------


def test_the_planning_forms_take_hostile_input(client, assigned, office_user, auditor_user, alice):
    from tests.trust.test_form_fuzz import fuzz_form

    plans.plan_draft(application=assigned, by=office_user)
    login(client, office_user)
    editor = [
        "version",
        "start_date",
        "end_date",
        "mode",
        "site_count",
        "method",
        "person_days",
        "person_days_reason",
        "form-TOTAL_FORMS",
        "form-INITIAL_FORMS",
        "form-0-area",
        "form-0-date",
        "form-0-start_time",
        "form-0-auditor",
        "save",
    ]
    fuzz_form(client, url("office_plan_draft", pk=assigned.pk), editor, (AuditPlan,))
    fuzz_form(client, url("office_plan_send", pk=assigned.pk), ["change_note"], (AuditPlan,))
    if draft_plan_of(assigned) is not None:  # a fuzzed post may have sent it
        plans.plan_discard(plan=draft_plan_of(assigned), by=office_user)
    if plan_of(assigned) is None:
        send_plan(assigned, auditor_user)
    login(client, alice)
    fields = ["assignment", "reason"]
    fuzz_form(client, org_url("plan_object", assigned), fields, (AuditorObjection,))


def test_the_team_sees_an_objection_but_not_the_companys_reasons(
    client, assigned, auditor_user, alice, office_user
):
    plan = send_plan(assigned, auditor_user)
    objection = raise_objection(plan, lead_assignment(assigned), alice, reason="Rude last time.")
    login(client, auditor_user)
    page = client.get(url("audit_plan", pk=assigned.pk)).content.decode()
    assert "Awaiting the office" in page and "Rude last time." not in page
    login(client, office_user)
    assert "Rude last time." in client.get(url("office_plan", pk=assigned.pk)).content.decode()
    assert objection.status == "pending"
