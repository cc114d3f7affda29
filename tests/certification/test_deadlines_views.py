"""Deadlines in the pages: the office's list of open deadlines and its process policy, each
role's to-do list (the office's start page with every queue, a company's home page and
dashboard, the auditor's audits with their due dates), where each role lands after signing
in, and the confirmation pages of the irreversible steps (submitting the self-assessment,
granting, suspending, withdrawing)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from certification.models import (
    ApplicationStatus,
    AuditorObjection,
    CertificationPolicy,
    Deadline,
    DeadlineKind,
    FindingKind,
)
from certification.services import findings
from certification.services.certificates import certification_policy
from certification.services.deadlines import deadline_open
from cpo_portal.accounts.adapter import AccountAdapter
from cpo_portal.activity.models import ActivityEntry
from tests.factories import OrganizationFactory, UserFactory, make_office

from .factories import (
    AgreementVersionFactory,
    ApplicationFactory,
    CertificateFactory,
    PlanFactory,
)
from .helpers import TODAY, answer_all, criteria_of, refreshed, set_status

pytestmark = pytest.mark.django_db

K = DeadlineKind
S = ApplicationStatus
OFFICE_HOME = "/office/"


def url(name, *args):
    return reverse(f"certification:{name}", args=args)


def html(response):
    return response.content.decode()


def overdue(application, kind, days=3):
    """Make the application's open deadline of `kind` overdue by `days`."""
    with scopes_disabled():
        Deadline.objects.filter(application=application, kind=kind, closed_at__isnull=True).update(
            due_on=TODAY - timedelta(days=days)
        )


@pytest.fixture
def reviewer(db, activate_totp):
    user = UserFactory(email="rita@example.org", full_name="Rita Reviewer")
    return activate_totp(make_office(user, "reviewer"))


def many_deadlines(n):
    """`n` companies, each with a case in audit (its report due) and an agreement to accept."""
    agreement = AgreementVersionFactory(published=True)
    for _ in range(n):
        organization = OrganizationFactory()
        from tests.factories import MembershipFactory

        MembershipFactory(organization=organization, user=UserFactory(), role="owner")
        ApplicationFactory(organization=organization, in_audit=True)
        deadline_open(kind=K.AGREEMENT, organization=organization, agreement=agreement)


# --- The office's list of open deadlines ---------------------------------------------------------


def test_the_office_lists_open_deadlines_the_earliest_first(client, in_audit, office_user):
    overdue(in_audit, K.AUDIT_REPORT, days=2)
    client.force_login(office_user)
    response = client.get(url("office_deadlines"))
    assert response.status_code == 200
    [row] = response.context["rows"]
    assert (row.deadline.kind, row.days_overdue, row.party_label) == (
        K.AUDIT_REPORT,
        2,
        "Lead auditor",
    )
    content = html(response)
    assert "overdue by 2 days" in content
    assert url("office_application", in_audit.pk) in content


def test_the_list_filters_by_step_party_and_overdue(client, in_audit, alpha, office_user):
    agreement = AgreementVersionFactory(published=True)
    deadline_open(kind=K.AGREEMENT, organization=alpha, agreement=agreement)
    overdue(in_audit, K.AUDIT_REPORT)
    client.force_login(office_user)

    def kinds(query):
        response = client.get(url("office_deadlines") + query)
        return sorted(row.deadline.kind for row in response.context["rows"])

    assert kinds("") == [K.AGREEMENT, K.AUDIT_REPORT]
    assert kinds("?kind=agreement") == [K.AGREEMENT]
    assert kinds("?party=auditor") == [K.AUDIT_REPORT]
    assert kinds("?party=company") == [K.AGREEMENT]
    assert kinds("?overdue=on") == [K.AUDIT_REPORT]
    assert kinds("?kind=nonsense") == [K.AGREEMENT, K.AUDIT_REPORT]  # shown, ignored


def test_the_list_is_paginated_with_bounded_queries(client, catalogue, office_user):
    client.force_login(office_user)
    many_deadlines(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("office_deadlines")).status_code == 200
    many_deadlines(8)
    with CaptureQueriesContext(connection) as more:
        response = client.get(url("office_deadlines"))
    assert response.context["page"].paginator.count >= 20
    assert len(more) <= len(few)


@pytest.mark.parametrize("who", ["alice", "bob", "charlie", "auditor_user"])
def test_outsiders_get_404_on_the_office_deadline_pages(client, request, who):
    client.force_login(request.getfixturevalue(who))
    for name in ("office_deadlines", "office_certification_policy"):
        assert client.get(url(name)).status_code == 404
        assert client.post(url(name), {"decision_days": 1}).status_code == 404
    assert CertificationPolicy.objects.filter(decision_days=1).count() == 0


def test_a_visitor_is_sent_to_sign_in(client):
    for name in ("office_deadlines", "office_certification_policy"):
        response = client.get(url(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- The policy page -----------------------------------------------------------------------------


def policy_form(client, **changes):
    form = client.get(url("office_certification_policy")).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data.update(changes)
    return {k: v for k, v in data.items() if v not in (False, None)}


def test_the_administrator_sets_every_day_count_on_one_page(client, office_user):
    client.force_login(office_user)
    response = client.get(url("office_certification_policy"))
    content = html(response)
    assert "Open deadlines keep the dates" in content
    for name in ("self_assessment_days", "finding_answer_days", "reminder_days_before"):
        assert f'name="{name}"' in content
    data = policy_form(client, decision_days=10, reminder_days_before=3)
    response = client.post(url("office_certification_policy"), data)
    assert response.status_code == 302
    policy = CertificationPolicy.objects.get(pk=1)
    assert (policy.decision_days, policy.reminder_days_before) == (10, 3)
    assert policy.updated_by == office_user
    with scopes_disabled():
        entry = ActivityEntry.objects.get(verb="certification.policy_updated")
    assert entry.data["after"] == {"decision_days": 10, "reminder_days_before": 3}


def test_a_bad_day_count_is_a_field_error(client, office_user):
    client.force_login(office_user)
    response = client.post(url("office_certification_policy"), policy_form(client, decision_days=0))
    assert response.status_code == 200
    assert response.context["form"].errors["decision_days"]
    assert CertificationPolicy.objects.get(pk=1).decision_days == 14


def test_other_office_members_read_the_policy_and_cannot_change_it(client, reviewer):
    client.force_login(reviewer)
    response = client.get(url("office_certification_policy"))
    assert response.status_code == 200
    content = html(response)
    assert '<form method="post" class="office-form' not in content
    assert "Only an office member with the role" in content
    client.post(url("office_certification_policy"), {"decision_days": 2, "based_on": ""})
    assert CertificationPolicy.objects.get_or_create(pk=1)[0].decision_days == 14


def test_two_administrators_at_once_the_second_is_told(client, office_user, django_user_model):
    client.force_login(office_user)
    stale = policy_form(client, decision_days=5)
    assert client.post(url("office_certification_policy"), policy_form(client, decision_days=9))
    response = client.post(url("office_certification_policy"), stale)
    assert response.status_code == 409
    assert response.context["conflict"] == [("Certification decision: days to decide", "5", "9")]
    assert CertificationPolicy.objects.get(pk=1).decision_days == 9
    # Saving again keeps one's own values on top of the newer version.
    data = dict(response.context["form"].data.items())
    assert client.post(url("office_certification_policy"), data).status_code == 302
    assert CertificationPolicy.objects.get(pk=1).decision_days == 5


def test_the_old_policy_address_is_gone_and_the_name_stays(client, office_user):
    assert url("office_certification_policy") == "/office/certification/policy/"


# --- The office's start page: every queue --------------------------------------------------------


def todo(response, audience):
    return {item.key: item for item in response.context["navigation"]["todo"][audience]}


def test_the_office_start_page_shows_every_queue_with_count_and_age(
    client, in_audit, submitted, alpha, office_user
):
    client.force_login(office_user)
    items = todo(client.get(OFFICE_HOME), "office")
    assert list(items) == [
        "signees",
        "applications",
        "objections",
        "decisions",
        "overdue",
        "certificates",
        "qualifications",
        "agreements",
    ]
    assert items["applications"].count == 0  # the submitted one has gone on to the audit
    overdue(in_audit, K.AUDIT_REPORT, days=4)
    response = client.get(OFFICE_HOME)
    items = todo(response, "office")
    assert (items["overdue"].count, items["overdue"].overdue, items["overdue"].age_days) == (
        1,
        True,
        4,
    )
    assert "Submit the audit report: 1" in items["overdue"].note
    content = html(response)
    assert 'id="todo-overdue"' in content
    assert url("office_deadlines") + "?overdue=on" in content


def test_the_queues_count_applications_decisions_objections_and_certificates(
    client, catalogue, alpha, alice, office_user, auditor_user
):
    submitted = ApplicationFactory(organization=alpha, submitted=True)
    reported = ApplicationFactory(organization=OrganizationFactory(), reported=True, lead=None)
    plan = PlanFactory(application=ApplicationFactory(organization=alpha, in_audit=True), sent=True)
    with scope(organization=alpha):
        AuditorObjection.objects.create(
            plan=plan,
            assignment=plan.application.assignments.get(role="lead"),
            reason="Worked for our competitor.",
            raised_by=alice,
        )
    expiring = CertificateFactory(
        application=ApplicationFactory(organization=OrganizationFactory(), reported=True)
    )
    from tests.certification.helpers import set_fields

    set_fields(expiring, valid_until=TODAY + timedelta(days=30))
    client.force_login(office_user)
    items = todo(client.get(OFFICE_HOME), "office")
    assert items["applications"].count == 1
    assert items["applications"].url.endswith("?status=submitted")
    assert items["decisions"].count == 1
    assert items["decisions"].due_on == TODAY + timedelta(days=14)
    assert items["objections"].count == 1
    assert items["certificates"].count == 1
    assert refreshed(submitted).status == S.SUBMITTED and refreshed(reported)


def test_the_office_start_page_costs_the_same_with_more_rows(client, catalogue, office_user):
    client.force_login(office_user)

    def rows(n):
        # Every queue holds rows: overdue steps, organizations yet to accept a new version.
        many_deadlines(n)
        AgreementVersionFactory(published=True)
        with scopes_disabled():
            Deadline.objects.update(due_on=TODAY - timedelta(days=1))

    rows(1)
    with CaptureQueriesContext(connection) as few:
        assert client.get(OFFICE_HOME).status_code == 200
    rows(6)
    with CaptureQueriesContext(connection) as more:
        response = client.get(OFFICE_HOME)
    items = todo(response, "office")
    assert items["overdue"].count >= 7 and items["agreements"].count == 7
    assert len(more) <= len(few)


# --- What a company must do next ---------------------------------------------------------------


@pytest.mark.through_services
def test_the_company_sees_its_next_steps_with_due_dates(client, assigned, alpha, alice):
    client.force_login(alice)
    response = client.get(reverse("tenancy:home", args=[alpha.slug]))
    items = todo(response, "member")
    item = items[f"self-assessment-{assigned.pk}"]
    assert item.due_on == TODAY + timedelta(days=30) and not item.overdue
    assert item.url == url("self_assessment", alpha.slug, assigned.pk)
    content = html(response)
    assert "Submit the self-assessment of application" in content
    # An IT vendor owes its CPO Statement (signees), by its due date.
    assert "statement" in items


@pytest.mark.through_services
def test_the_company_is_asked_to_answer_findings_and_accept_a_new_agreement(
    client, in_audit, alpha, alice, bob, auditor_user
):
    criterion = criteria_of(in_audit)[0]
    for _ in range(2):
        findings.finding_raise(
            objective_evidence="Seen during the audit.",
            application=in_audit,
            kind=FindingKind.MAJOR,
            criterion_ids=[criterion.pk],
            description="Missing.",
            by=auditor_user,
            due_date=TODAY + timedelta(days=3),
        )
    version = AgreementVersionFactory(published=True)
    deadline_open(kind=K.AGREEMENT, organization=alpha, agreement=version)
    client.force_login(bob)  # every member sees what the company must do
    items = todo(client.get(reverse("tenancy:home", args=[alpha.slug])), "member")
    answers = items[f"findings-{in_audit.pk}"]
    assert (answers.count, answers.due_on) == (2, TODAY + timedelta(days=3))
    assert "Answer 2 findings of application" in answers.label
    assert (
        items["agreement"].label == f"Accept the certification agreement (version {version.number})"
    )
    assert items["agreement"].url == url("agreement", alpha.slug)


@pytest.mark.through_services
def test_a_sent_plan_and_an_expiring_certificate_are_on_the_list(client, catalogue, alpha, alice):
    plan = PlanFactory(application=ApplicationFactory(organization=alpha, assigned=True), sent=True)
    certificate = CertificateFactory(
        application=ApplicationFactory(organization=alpha, reported=True)
    )
    from tests.certification.helpers import set_fields

    set_fields(certificate, valid_until=TODAY + timedelta(days=20))
    client.force_login(alice)
    items = todo(client.get(reverse("tenancy:home", args=[alpha.slug])), "member")
    assert items[f"plan-{plan.application_id}"].due_on == plan.objection_deadline
    assert items[f"certificate-{certificate.pk}"].due_on == TODAY + timedelta(days=20)


def test_a_company_that_has_not_signed_is_asked_to_sign(client, beta, charlie):
    client.force_login(charlie)
    response = client.get(reverse("tenancy:home", args=[beta.slug]))
    items = todo(response, "member")
    assert items["sign"].url == reverse("signees:sign", args=[beta.slug])


def test_the_company_home_page_costs_the_same_with_more_steps(client, in_audit, alpha, alice):
    client.force_login(alice)
    home = reverse("tenancy:home", args=[alpha.slug])
    with CaptureQueriesContext(connection) as few:
        client.get(home)
    for _ in range(4):
        deadline_open(
            kind=K.AGREEMENT, organization=alpha, agreement=AgreementVersionFactory(published=True)
        )
    with CaptureQueriesContext(connection) as more:
        client.get(home)
    assert len(more) <= len(few) + 2  # the agreement line reads its version with it


def test_the_dashboard_shows_each_organizations_next_steps(client, in_audit, alpha, alice):
    overdue(in_audit, K.AUDIT_REPORT)
    client.force_login(alice)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    organizations = dict(response.context["todo_organizations"])
    assert [o.slug for o in organizations] == [alpha.slug]


# --- The auditor's due dates ----------------------------------------------------------------------


def test_the_auditor_sees_each_audit_with_its_due_date_and_overdue_mark(
    client, in_audit, auditor_user
):
    overdue(in_audit, K.AUDIT_REPORT, days=5)
    client.force_login(auditor_user)
    response = client.get(url("audits"))
    [row] = response.context["rows"]
    assert row.deadline.deadline.kind == K.AUDIT_REPORT and row.deadline.days_overdue == 5
    assert "overdue by 5 days" in html(response)
    dashboard = client.get(reverse("dashboard"))
    [item] = dashboard.context["todo_auditor"]
    assert (item.count, item.overdue, item.url) == (1, True, url("audits"))


def test_the_auditor_list_costs_the_same_with_more_audits(client, catalogue, auditor_user, lead):
    client.force_login(auditor_user)
    ApplicationFactory(organization=OrganizationFactory(), in_audit=True, lead=lead)
    with CaptureQueriesContext(connection) as few:
        client.get(url("audits"))
    for _ in range(4):
        ApplicationFactory(organization=OrganizationFactory(), in_audit=True, lead=lead)
    with CaptureQueriesContext(connection) as more:
        response = client.get(url("audits"))
    assert len(response.context["rows"]) == 5
    assert all(row.deadline for row in response.context["rows"])
    assert len(more) <= len(few)


# --- Where each role lands after signing in -------------------------------------------------------


def landing(user):
    request = RequestFactory().get("/accounts/login/")
    request.user = user
    return AccountAdapter(request).get_login_redirect_url(request)


def test_each_role_lands_on_its_own_list(office_user, auditor_user, alice, reviewer):
    assert landing(office_user) == OFFICE_HOME
    assert landing(reviewer) == OFFICE_HOME
    assert landing(auditor_user) == url("audits")
    assert landing(alice) == reverse("dashboard")


def test_signing_in_takes_a_company_member_to_the_dashboard_and_keeps_next(client, alice):
    alice.set_password("correct horse battery")
    alice.save()
    response = client.post(
        reverse("account_login"), {"login": alice.email, "password": "correct horse battery"}
    )
    assert response["Location"] == reverse("dashboard")
    client.logout()
    response = client.post(
        reverse("account_login") + "?next=/signees/",
        {"login": alice.email, "password": "correct horse battery", "next": "/signees/"},
    )
    assert response["Location"] == "/signees/"


# --- Confirmation pages of the irreversible steps ------------------------------------------------


@pytest.mark.through_services
def test_submitting_the_self_assessment_has_a_confirmation_page(client, assigned, alpha, alice):
    submit = url("self_assessment_submit", alpha.slug, assigned.pk)
    client.force_login(alice)
    editor = html(client.get(url("self_assessment", alpha.slug, assigned.pk)))
    assert f'href="{submit}"' in editor  # a link to the confirmation, not a one-click form
    answer_all(assigned, alice)
    response = client.get(submit)
    assert response.status_code == 200 and response.context["can_submit"]
    content = html(response)
    assert "What happens when you submit" in content
    assert "The audit report is due 30 days after the submission." in content
    assert f'action="{submit}"' in content
    assert refreshed(assigned).status == S.SELF_ASSESSMENT  # a GET changes nothing
    response = client.post(submit)
    assert response.status_code == 302
    assert refreshed(assigned).status == S.AUDIT
    response = client.get(submit)
    assert not response.context["can_submit"] and response.context["submitted"]


@pytest.mark.through_services
def test_the_confirmation_names_the_unanswered_shall_criteria(client, assigned, alpha, alice):
    set_status(assigned, S.SELF_ASSESSMENT)
    client.force_login(alice)
    response = client.get(url("self_assessment_submit", alpha.slug, assigned.pk))
    assert not response.context["can_submit"]
    assert "mandatory (shall) criteria are not answered yet" in html(response)


@pytest.mark.parametrize("who, status", [("bob", 403), ("charlie", 404), ("auditor_user", 404)])
def test_the_self_assessment_confirmation_is_the_admins(
    client, assigned, alpha, request, who, status
):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("self_assessment_submit", alpha.slug, assigned.pk)).status_code == status


def test_suspending_and_withdrawing_have_confirmation_pages(client, certificate, office_user):
    client.force_login(office_user)
    record = html(client.get(url("office_certificate", certificate.pk)))
    suspend = url("office_certificate_action", certificate.pk, "suspend")
    withdraw = url("office_certificate_action", certificate.pk, "withdraw")
    assert f'href="{suspend}"' in record and f'href="{withdraw}"' in record
    assert f'action="{suspend}"' not in record  # no one-click form on the record
    page = client.get(withdraw)
    content = html(page)
    assert "This cannot be undone." in content
    assert f'action="{withdraw}"' in content
    # An organizational certificate: the policy suspends its products too (on by default
    # since issue 16); off, they are flagged on the attention list instead.
    assert "product certificates are suspended too" in content
    policy = certification_policy()
    policy.suspend_products_with_organizational = False
    policy.save()
    assert "flagged on the attention list" in html(client.get(withdraw))
    # Without a reason the confirmation page says so and nothing changes.
    response = client.post(withdraw, {"reason": " "})
    assert response.status_code == 200 and "Give a reason" in html(response)
    assert refreshed(certificate).status == "active"
    assert client.post(suspend, {"reason": "Audit evidence lapsed."}).status_code == 302
    assert refreshed(certificate).status == "suspended"
    # Suspended: withdrawing is still offered; suspending again says it cannot be done.
    assert "cannot take this step" in html(client.get(suspend))


def test_the_decision_page_shows_the_certificate_a_grant_issues(client, reported, office2):
    client.force_login(office2)
    response = client.get(url("office_decide", reported.pk))
    grant = response.context["grant"]
    assert grant.issues and grant.number_pattern == f"CPO-O-{timezone.localdate().year}-…"
    assert grant.valid_until > TODAY
    content = html(response)
    assert "If you grant" in content
    assert "A decision cannot be taken back" in content
    assert grant.holder in content


def test_the_activity_log_reads_the_policy_change_and_the_reminders(client, office_user):
    client.force_login(office_user)
    client.post(url("office_certification_policy"), policy_form(client, decision_days=10))
    content = html(client.get(reverse("activity:office")))
    assert "Changed the certification policy" in content
    assert "decision_days: 14 → 10" in content
