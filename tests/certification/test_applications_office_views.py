"""The CPO office's certification pages: access, queue, record, review, assignment,
four-eyes decision, reopen, score history, recorded grants, auditors; query counts."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import (
    APPLICATION_EDGES,
    REVIEW_ACTIONS,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    AssignmentStatus,
    AuditorAssignment,
    FindingKind,
    OrganizationalGrant,
    Rating,
)
from certification.selectors.applications import review_actions_offered
from certification.services.applications import (
    application_accept,
    application_return,
    application_submit,
    organizational_grant_record,
)
from certification.services.auditors import (
    assignment_end,
    auditor_assign,
    auditor_conflict_declare,
)
from certification.services.audits import report_submit
from certification.services.findings import finding_raise
from cpo_portal.activity.models import ActivityEntry
from criteria.models import SchemeKind
from tests.certification.helpers import (
    criteria_of,
    make_auditor,
    new_application,
    plan_for_report,
    score,
    score_all,
    unqualify,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

S = ApplicationStatus
BASE = "/office/certification/"


def _url(name, application=None, **kwargs):
    if application is not None:
        kwargs["pk"] = application.pk
    return reverse(f"certification:{name}", kwargs=kwargs)


def _all_urls(application, assignment):
    return [
        ("get", _url("office_applications")),
        ("get", _url("office_applications") + "?status=all&kind=organizational&q=a"),
        ("get", _url("office_grants")),
        ("post", _url("office_grants")),
        ("get", _url("office_auditors")),
        ("get", _url("office_application", application)),
        ("post", _url("office_review", application)),
        ("post", _url("office_assign", application)),
        (
            "post",
            _url("office_assignment_end", application, assignment_id=assignment.pk),
        ),
        ("get", _url("office_decide", application)),
        ("post", _url("office_decide", application)),
        ("post", _url("office_reopen", application)),
        ("get", _url("office_score_history", application)),
    ]


def _messages(response):
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def _fresh(application):
    with scopes_disabled():
        return Application.objects.get(pk=application.pk)


def _snapshot():
    with scopes_disabled():
        return (
            list(Application.objects.order_by("pk").values_list("status", "status_reason")),
            ApplicationEvent.objects.count(),
            list(AuditorAssignment.objects.order_by("pk").values_list("status", flat=True)),
            OrganizationalGrant.objects.count(),
            ActivityEntry.objects.count(),
        )


def _lead_assignment(application):
    with scopes_disabled():
        return AuditorAssignment.objects.get(application=application, role="lead")


def _post(client, url, captured, **data):
    with captured(execute=True):
        return client.post(url, data)


@pytest.fixture
def office_client(client, office_user):
    client.force_login(office_user)
    return client


@pytest.fixture
def office2_client(client, office2):
    client.force_login(office2)
    return client


# --- who gets in --------------------------------------------------------------------------


def test_visitor_is_sent_to_sign_in_everywhere(client, reported):
    for method, url in _all_urls(reported, _lead_assignment(reported)):
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize("who", ["alice", "bob", "charlie", "auditor_user"])
def test_member_auditor_and_outsider_get_404_and_change_nothing(client, request, reported, who):
    before = _snapshot()
    client.force_login(request.getfixturevalue(who))
    data = {"action": "accept", "reason": "x", "decision": "grant", "rationale": "x"}
    answers = {
        (method, url): getattr(client, method)(url, data).status_code
        for method, url in _all_urls(reported, _lead_assignment(reported))
    }
    assert set(answers.values()) == {404}, answers
    assert _snapshot() == before


def test_office_user_without_mfa_is_sent_to_mfa_setup(client, reported):

    from tests.factories import make_office

    user = UserFactory(email="nomfa@example.org")
    make_office(user)
    before = _snapshot()
    client.force_login(user)
    for method, url in _all_urls(reported, _lead_assignment(reported)):
        response = getattr(client, method)(url, {"decision": "deny", "rationale": "x"})
        assert response.status_code == 302, (method, url)
        assert response["Location"] == reverse("mfa_activate_totp"), url
    assert _snapshot() == before


def test_unknown_application_draft_and_foreign_assignment_are_404(
    office_client, alpha, alice, reported
):
    assert office_client.get(f"{BASE}999999/").status_code == 404
    assert office_client.get(f"{BASE}999999/decide/").status_code == 404
    # Drafts are the company's own business until submitted.
    draft = new_application(alpha, alice)
    assert office_client.get(_url("office_application", draft)).status_code == 404
    other = new_application(alpha, alice)
    application_submit(application=other, by=alice)
    url = _url("office_assignment_end", other, assignment_id=_lead_assignment(reported).pk)
    assert office_client.post(url, {"reason": "x"}).status_code == 404
    assert _lead_assignment(reported).status == AssignmentStatus.ACTIVE


def test_writes_are_never_done_by_get(office_client, submitted):
    # The assignment page (office_assign) shows the choice on GET and assigns on POST only.
    for name in ("office_review", "office_reopen"):
        assert office_client.get(_url(name, submitted)).status_code == 405
    assert _fresh(submitted).status == S.SUBMITTED


def test_office_home_links_to_the_certification_queue(office_client, submitted):
    page = office_client.get("/office/").content.decode()
    assert f'href="{BASE}"' in page
    assert f'href="{BASE}auditors/"' in page


# --- the queue ----------------------------------------------------------------------------


def _ids(response):
    return sorted(a.pk for a in response.context["applications"])


def test_queue_shows_what_waits_for_the_office_by_default(
    office_client, submitted, alpha, alice, office_user
):
    accepted = new_application(alpha, alice)
    application_submit(application=accepted, by=alice)
    application_accept(application=accepted, by=office_user)
    returned = new_application(alpha, alice)
    application_submit(application=returned, by=alice)
    application_return(application=returned, by=office_user, reason="Scope?")
    new_application(alpha, alice)  # a draft: never listed

    response = office_client.get(BASE)
    assert response.status_code == 200
    assert _ids(response) == sorted([submitted.pk, accepted.pk])
    assert _ids(office_client.get(f"{BASE}?page=1")) == sorted([submitted.pk, accepted.pk])
    assert _ids(office_client.get(f"{BASE}?status=all")) == sorted(
        [submitted.pk, accepted.pk, returned.pk]
    )
    assert _ids(office_client.get(f"{BASE}?status=returned")) == [returned.pk]
    counts = {row.value: row.count for row in response.context["status_counts"]}
    assert counts["todo"] == 2
    assert counts["all"] == 3
    assert counts["returned"] == 1
    assert counts["submitted"] == 1
    page = response.content.decode()
    assert "Alpha" in page
    assert _url("office_application", submitted) in page


def test_queue_filters_by_kind_and_search_and_ignores_bad_values(
    office_client, submitted, alpha, alice, office_user, beta_signee, beta, charlie
):
    organizational_grant_record(
        organization=alpha,
        reference="ORG-1",
        valid_until=timezone.localdate() + timedelta(days=300),
        by=office_user,
    )
    product = new_application(alpha, alice, kind=SchemeKind.PRODUCT)
    application_submit(application=product, by=alice)
    beta_app = new_application(beta, charlie)
    application_submit(application=beta_app, by=charlie)

    def ids(query):
        response = office_client.get(f"{BASE}?{query}")
        assert response.status_code == 200
        return _ids(response)

    assert ids("status=all&kind=product") == [product.pk]
    assert ids("status=all&kind=organizational") == sorted([submitted.pk, beta_app.pk])
    assert ids("status=all&q=beta") == [beta_app.pk]
    assert ids("status=all&q=Alpha PLM") == [product.pk]
    response = office_client.get(f"{BASE}?status=nonsense&kind=nope")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert _ids(response) == sorted([submitted.pk, product.pk, beta_app.pk])


def test_queue_queries_do_not_grow_with_applications(
    office_client, submitted, alpha, alice, office_user, lead, co
):
    def measure():
        with CaptureQueriesContext(connection) as ctx:
            response = office_client.get(f"{BASE}?status=all")
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.context["applications"])

    application_accept(application=submitted, by=office_user)
    auditor_assign(application=submitted, auditor=lead, role="lead", by=office_user)
    few, rows = measure()
    assert rows == 1
    for _ in range(12):
        application = new_application(alpha, alice)
        application_submit(application=application, by=alice)
        application_accept(application=application, by=office_user)
        auditor_assign(application=application, auditor=lead, role="lead", by=office_user)
        auditor_assign(application=application, auditor=co, role="co", by=office_user)
    many, rows = measure()
    assert rows == 13
    assert many == few
    assert many <= 10, many


# --- the record ---------------------------------------------------------------------------


def test_record_shows_the_whole_case(office_client, reported, auditor_user):
    first = criteria_of(reported)[0]
    with scopes_disabled():
        Application.objects.filter(pk=reported.pk).update(status=S.AUDIT)
    finding_raise(
        objective_evidence="Seen during the audit.",
        application=reported,
        kind=FindingKind.OBSERVATION,
        criterion_ids=[first.pk],
        description="Release notes lag behind.",
        by=auditor_user,
    )
    with scopes_disabled():
        Application.objects.filter(pk=reported.pk).update(status=S.REPORT_SUBMITTED)
    response = office_client.get(_url("office_application", reported))
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Alpha",
        "IT vendor",  # signee group
        "Organizational",
        "Whole company, PLM business unit",
        reported.scheme.version.code,
        "Arne Auditor",
        "Lead auditor",
        "All criteria met.",
        "Release notes lag behind.",
        "The pass rule is met.",
        "Self-assessment: 30 of 30 criteria answered",
        "Audit report submitted",  # case history
        _url("office_decide", reported),
        _url("office_score_history", reported),
    ):
        assert text in page, text
    # One row per subject area in the breakdown.
    assert len(response.context["sheet"].blocks) == 8


def test_record_links_the_report_pdf_when_rendered(office_client, reported):
    from django.contrib.contenttypes.models import ContentType

    from cpo_portal.documents.models import Document
    from cpo_portal.documents.services import document_render

    with scopes_disabled():
        document = Document.objects.get(
            kind="audit_report",
            owner_type=ContentType.objects.get_for_model(Application),
            owner_id=str(reported.pk),
        )
    page = office_client.get(_url("office_application", reported)).content.decode()
    assert "Pending" in page
    document_render(document_id=document.pk)
    page = office_client.get(_url("office_application", reported)).content.decode()
    assert reverse("documents:office_download", kwargs={"pk": document.pk}) in page


def test_record_queries_are_bounded(office_client, in_audit, auditor_user, co, office_user):
    auditor_assign(application=in_audit, auditor=co, role="co", by=office_user)
    criteria = criteria_of(in_audit)
    finding_raise(
        objective_evidence="Seen during the audit.",
        application=in_audit,
        kind=FindingKind.OBSERVATION,
        criterion_ids=[criteria[0].pk],
        description="Seen.",
        by=auditor_user,
    )
    url = _url("office_application", in_audit)

    def measure():
        with CaptureQueriesContext(connection) as ctx:
            assert office_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = measure()
    score_all(in_audit, auditor_user)
    for criterion in criteria[:6]:
        finding_raise(
            objective_evidence="Seen during the audit.",
            application=in_audit,
            kind=FindingKind.MINOR,
            criterion_ids=[criterion.pk, criteria[-1].pk],
            description="Gap.",
            by=auditor_user,
        )
    for index in range(5):
        make_auditor(UserFactory(email=f"extra{index}@example.org"))
    many = measure()
    assert many == few
    assert many <= 25, many


def test_assign_form_lists_ineligible_auditors_disabled_with_why(
    office_client, accepted, lead, co, bob, make_user, alpha
):
    auditor_conflict_declare(auditor=co, organization=alpha, by=co.user)
    make_auditor(bob)
    unqualified = make_auditor(make_user(email="novice@example.org", full_name="Nina Novice"))
    unqualify(unqualified)
    page = office_client.get(_url("office_application", accepted)).content.decode()
    assert f'<option value="{lead.pk}">' in page
    assert f'<option value="{co.pk}" disabled>' in page
    assert "declared a conflict of interest" in page
    assert "member of the organization" in page
    assert "qualification expired on" in page


def _why_not(page):
    """The "Why some auditors cannot be chosen" block, or None when the page has none."""
    if 'data-testid="ineligible-auditors"' not in page:
        return None
    block = page.split('data-testid="ineligible-auditors"', 1)[1].split("</details>", 1)[0]
    return [li.split("</li>", 1)[0] for li in block.split("<li>")[1:]]


def test_why_not_lists_each_auditor_who_cannot_be_chosen_with_the_reason(
    office_client, accepted, lead, co, bob, make_user, alpha, office_user
):
    auditor_conflict_declare(auditor=co, organization=alpha, by=co.user)
    make_auditor(bob)  # bob is a member of Alpha
    novice = make_auditor(make_user(email="novice@example.org", full_name="Nina Novice"))
    unqualify(novice)
    retired = make_auditor(make_user(email="retired@example.org", full_name="Rita Retired"))
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    locked = make_auditor(make_user(email="locked@example.org", full_name="Leo Locked"))
    locked.user.is_active = False
    locked.user.save(update_fields=["is_active"])
    make_auditor(office_user)  # the office user who assigns is an auditor too

    page = office_client.get(_url("office_application", accepted)).content.decode()

    rows = _why_not(page)
    assert rows is not None
    reasons = {row.split(":", 1)[0].strip(): row.split(":", 1)[1].strip() for row in rows}
    assert reasons == {
        str(co): "declared a conflict of interest without end",
        str(bob): "member of the organization",
        "Nina Novice": f"qualification expired on {timezone.localdate() - timedelta(days=1)}",
        "Rita Retired": "auditor profile deactivated",
        "Leo Locked": "account deactivated",
        str(office_user): "you cannot assign yourself",
    }
    assert str(lead) not in reasons
    # No address in the list, and the inactive are not offered in the choice at all.
    assert "@" not in "".join(rows)
    assert f'value="{retired.pk}"' not in page and f'value="{locked.pk}"' not in page


def test_why_not_is_left_out_when_every_auditor_can_be_chosen(office_client, accepted, lead, co):
    page = office_client.get(_url("office_application", accepted)).content.decode()
    assert f'<option value="{lead.pk}">' in page and f'<option value="{co.pk}">' in page
    assert _why_not(page) is None
    assert "Why some auditors cannot be chosen" not in page


def test_no_auditor_at_all_is_said_instead_of_an_empty_choice(office_client, accepted):
    page = office_client.get(_url("office_application", accepted)).content.decode()
    assert "There are no active auditors." in page
    assert _why_not(page) is None


# --- review -------------------------------------------------------------------------------


def test_review_actions_offered_match_the_state_machine(draft):
    offered = {}
    for status in ApplicationStatus.values:
        draft.status = status
        offered[status] = review_actions_offered(draft)
        machine = [a for a in REVIEW_ACTIONS if status in APPLICATION_EDGES[a]]
        assert offered[status] == machine, status
    assert {status: actions for status, actions in offered.items() if actions} == {
        ApplicationStatus.SUBMITTED: ["accept", "return", "reject"],
        ApplicationStatus.RETURNED: ["reject"],
    }


def test_accept_moves_on_and_tells_the_company(
    office_client, submitted, office_user, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    response = _post(
        office_client,
        _url("office_review", submitted),
        django_capture_on_commit_callbacks,
        action="accept",
    )
    assert response.status_code == 302
    assert response["Location"] == _url("office_application", submitted)
    assert _fresh(submitted).status == S.ACCEPTED
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert "accepted" in _messages(response)


@pytest.mark.parametrize(("action", "status"), [("return", S.RETURNED), ("reject", S.REJECTED)])
def test_return_and_reject_need_a_reason_the_company_receives(
    office_client, submitted, django_capture_on_commit_callbacks, action, status
):
    before = _snapshot()
    url = _url("office_review", submitted)
    response = _post(office_client, url, django_capture_on_commit_callbacks, action=action)
    assert response.status_code == 200
    assert "Give a reason: the company sees it." in response.content.decode()
    response = _post(
        office_client, url, django_capture_on_commit_callbacks, action=action, reason="   "
    )
    assert "Give a reason: the company sees it." in response.content.decode()
    assert _snapshot() == before

    mail.outbox.clear()
    reason = "The scope does not name the product lines."
    response = _post(
        office_client, url, django_capture_on_commit_callbacks, action=action, reason=reason
    )
    assert response.status_code == 302
    application = _fresh(submitted)
    assert (application.status, application.status_reason) == (status, reason)
    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    assert reason in message.body


def test_reject_a_returned_application(office_client, submitted, office_user):
    application_return(application=submitted, by=office_user, reason="Incomplete.")
    page = office_client.get(_url("office_application", submitted)).content.decode()
    assert 'value="reject"' in page
    assert 'value="accept"' not in page
    office_client.post(_url("office_review", submitted), {"action": "reject", "reason": "Late."})
    assert _fresh(submitted).status == S.REJECTED


def test_accept_in_wrong_state_is_refused_and_writes_nothing(office_client, accepted):
    before = _snapshot()
    response = office_client.post(_url("office_review", accepted), {"action": "accept"})
    assert response.status_code == 302
    assert "cannot be changed this way" in _messages(response)
    assert _snapshot() == before


def test_unknown_review_action_is_refused(office_client, submitted):
    before = _snapshot()
    response = office_client.post(_url("office_review", submitted), {"action": "delete"})
    assert response.status_code == 302
    assert "Choose accept" in _messages(response)
    assert _snapshot() == before


# --- assignment ---------------------------------------------------------------------------


def _assign(client, application, auditor, role="lead"):
    return client.post(_url("office_assign", application), {"auditor": auditor.pk, "role": role})


def test_assign_lead_then_co(office_client, accepted, lead, co):
    response = _assign(office_client, accepted, lead)
    assert response.status_code == 302
    assert _fresh(accepted).status == S.AUDITOR_ASSIGNED
    response = _assign(office_client, accepted, co, role="co")
    assert response.status_code == 302
    with scopes_disabled():
        assert sorted(
            AuditorAssignment.objects.filter(application=accepted).values_list("role", flat=True)
        ) == ["co", "lead"]


def _refused(client, application, auditor, text, role="lead"):
    before = _snapshot()
    response = _assign(client, application, auditor, role)
    assert response.status_code == 200
    assert text in response.content.decode()
    assert _snapshot() == before


def test_forged_post_for_conflicted_auditor_is_refused(office_client, accepted, co, alpha):
    auditor_conflict_declare(auditor=co, organization=alpha, by=co.user)
    _refused(office_client, accepted, co, "declared a conflict of interest with Alpha")


def test_forged_post_for_unqualified_auditor_is_refused(office_client, accepted, co):
    unqualify(co, "organizational")
    _refused(office_client, accepted, co, "is not qualified for the")


def test_auditor_who_is_a_member_of_the_organization_is_refused(office_client, accepted, bob):
    _refused(office_client, accepted, make_auditor(bob), "is a member of Alpha")


def test_co_auditor_before_lead_is_refused(office_client, accepted, co):
    _refused(office_client, accepted, co, "Auditors cannot be assigned while", role="co")


def test_co_auditor_without_an_active_lead_is_refused(office_client, in_audit, co, office_user):
    assignment_end(assignment=_lead_assignment(in_audit), by=office_user, reason="Left the body.")
    _refused(office_client, in_audit, co, "Assign the lead auditor first.", role="co")


def test_assign_bad_input_is_a_form_error(office_client, accepted):
    before = _snapshot()
    response = office_client.post(_url("office_assign", accepted), {"auditor": "x", "role": "boss"})
    assert response.status_code == 200
    assert response.context["assign_form"].errors
    assert _snapshot() == before


def test_end_assignment_needs_a_reason_and_returns_to_accepted(office_client, assigned):
    assignment = _lead_assignment(assigned)
    url = _url("office_assignment_end", assigned, assignment_id=assignment.pk)
    before = _snapshot()
    response = office_client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "Give a reason." in response.content.decode()
    assert _snapshot() == before
    response = office_client.post(url, {"reason": "Fell ill."})
    assert response.status_code == 302
    assert _lead_assignment(assigned).status == AssignmentStatus.ENDED
    assert _fresh(assigned).status == S.ACCEPTED


# --- decision -----------------------------------------------------------------------------


def test_decide_page_shows_report_verdict_and_four_eyes_notice(office2_client, reported):
    response = office2_client.get(_url("office_decide", reported))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Grant" in page
    assert "All criteria met." in page
    assert "The pass rule is met." in page
    assert "Four-eyes rule" in page
    assert "Arne Auditor (Lead auditor)" in page
    assert 'name="decision"' in page


def test_grant_decision_tells_the_company(
    office2_client, reported, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    response = _post(
        office2_client,
        _url("office_decide", reported),
        django_capture_on_commit_callbacks,
        decision="grant",
        rationale="The report is conclusive.",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    application = _fresh(reported)
    assert (application.status, application.decision) == (S.DECIDED, "grant")
    assert any(m.to == ["alice@example.org"] for m in mail.outbox)
    assert "Certification decision: Grant" in [m.subject for m in mail.outbox]


def _failing_report(application, auditor_user):
    score_all(application, auditor_user)
    shall = criteria_of(application, "shall")[0]
    score(application, shall, Rating.NOT_FULFILLED, auditor_user, rationale="Missing.")
    plan_for_report(application)  # the report waits for a plan sent (plans)
    report_submit(
        application=application, recommendation="deny", summary="Shall gap.", by=auditor_user
    )
    return shall


def test_grant_is_refused_while_the_pass_rule_fails_but_deny_is_allowed(
    office2_client, in_audit, auditor_user, django_capture_on_commit_callbacks
):
    shall = _failing_report(in_audit, auditor_user)
    url = _url("office_decide", in_audit)
    page = office2_client.get(url).content.decode()
    assert "The pass rule is not met." in page
    assert shall.code in page
    before = _snapshot()
    response = office2_client.post(url, {"decision": "grant", "rationale": "Looks fine."})
    assert response.status_code == 200
    assert "cannot be granted while the pass rule fails" in response.content.decode()
    assert _snapshot() == before

    mail.outbox.clear()
    response = _post(
        office2_client,
        url,
        django_capture_on_commit_callbacks,
        decision="deny",
        rationale="A mandatory criterion is not met.",
    )
    assert response.status_code == 302
    application = _fresh(in_audit)
    assert (application.status, application.decision) == (S.DECIDED, "deny")
    company = [m for m in mail.outbox if m.to == ["alice@example.org"]]
    assert company and "Deny" in company[0].subject


def test_four_eyes_office_user_who_audited_cannot_decide(
    office_client, in_audit, office_user, office2, auditor_user
):
    auditor_assign(application=in_audit, auditor=make_auditor(office_user), role="co", by=office2)
    score_all(in_audit, auditor_user)
    plan_for_report(in_audit)  # the report waits for a plan sent (plans)
    report_submit(application=in_audit, recommendation="grant", summary="Fine.", by=auditor_user)
    url = _url("office_decide", in_audit)
    page = office_client.get(url).content.decode()
    assert "You are an auditor of this application" in page
    before = _snapshot()
    for decision in ("grant", "deny"):
        response = office_client.post(url, {"decision": decision, "rationale": "Mine."})
        assert response.status_code == 200
        assert "four-eyes rule" in response.content.decode()
    assert _snapshot() == before
    assert _fresh(in_audit).status == S.REPORT_SUBMITTED


def test_decide_in_wrong_state_is_refused(office2_client, in_audit):
    before = _snapshot()
    response = office2_client.post(
        _url("office_decide", in_audit), {"decision": "deny", "rationale": "Early."}
    )
    assert response.status_code == 200
    assert "This is not possible while the application is" in response.content.decode()
    assert _snapshot() == before


def test_decide_without_rationale_or_with_bad_choice_is_refused(office2_client, reported):
    before = _snapshot()
    response = office2_client.post(_url("office_decide", reported), {"decision": "grant"})
    assert response.status_code == 200
    assert "Give the rationale of the decision." in response.content.decode()
    response = office2_client.post(
        _url("office_decide", reported), {"decision": "maybe", "rationale": "x"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert _snapshot() == before


def test_reopen_sends_the_report_back_with_a_reason(office2_client, reported):
    url = _url("office_reopen", reported)
    before = _snapshot()
    response = office2_client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "Give a reason: the company sees it." in response.content.decode()
    assert _snapshot() == before
    response = office2_client.post(url, {"reason": "Score 1.2 again."})
    assert response.status_code == 302
    application = _fresh(reported)
    assert (application.status, application.status_reason) == (S.AUDIT, "Score 1.2 again.")
    # Reopening twice is refused clearly.
    response = office2_client.post(url, {"reason": "Again."})
    assert response.status_code == 200
    assert "cannot be changed this way" in response.content.decode()


# --- score history, grants, auditors ------------------------------------------------------


def test_score_history_lists_every_change_paginated(
    office_client, in_audit, auditor_user, django_assert_max_num_queries
):
    criteria = criteria_of(in_audit)
    score_all(in_audit, auditor_user)
    score(in_audit, criteria[0], Rating.PARTIALLY, auditor_user, rationale="Second look.")
    url = _url("office_score_history", in_audit)
    with django_assert_max_num_queries(10):
        response = office_client.get(url)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == len(criteria) + 1
    assert len(response.context["changes"]) == min(50, len(criteria) + 1)
    page = response.content.decode()
    assert "Second look." in page
    assert "auditor@example.org" in page
    assert criteria[0].code in page
    assert office_client.get(f"{url}?page=99").status_code == 200


def test_grants_list_and_record(office_client, alpha_signee, alpha, beta, office_user):
    url = _url("office_grants")
    page = office_client.get(url).content.decode()
    assert f'<option value="{alpha.pk}">' in page
    assert f'<option value="{beta.pk}">' not in page  # not a signee
    valid = (timezone.localdate() + timedelta(days=400)).isoformat()
    before = _snapshot()
    response = office_client.post(
        url, {"organization": beta.pk, "reference": "X", "valid_until": valid}
    )
    assert response.status_code == 200
    assert "Choose one of the approved signees." in response.content.decode()
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = office_client.post(
        url, {"organization": alpha.pk, "reference": "X", "valid_until": past}
    )
    assert "The validity has already ended." in response.content.decode()
    assert _snapshot() == before
    response = office_client.post(
        url, {"organization": alpha.pk, "reference": "DQS-2026-17", "valid_until": valid}
    )
    assert response.status_code == 302
    page = office_client.get(url).content.decode()
    assert "DQS-2026-17" in page
    assert "office@example.org" in page


def test_grants_queries_are_bounded(
    office_client, alpha_signee, alpha, office_user, django_assert_max_num_queries
):
    for index in range(8):
        organizational_grant_record(
            organization=alpha,
            reference=f"R-{index}",
            valid_until=timezone.localdate() + timedelta(days=100),
            by=office_user,
        )
    with django_assert_max_num_queries(10):
        assert office_client.get(_url("office_grants")).status_code == 200


def test_auditors_page_lists_qualifications_conflicts_and_load(
    office_client, assigned, lead, co, alpha, beta, make_user, django_assert_max_num_queries
):
    auditor_conflict_declare(auditor=co, organization=beta, by=co.user)
    for index in range(6):
        make_auditor(make_user(email=f"a{index}@example.org"), "product")
    # The page's six (count, auditors, their qualifications and conflicts, the policy, the
    # queue's counts) beside the session's: bounded, whatever the number of auditors.
    with django_assert_max_num_queries(12):
        response = office_client.get(_url("office_auditors"))
    assert response.status_code == 200
    rows = {a.pk: a for a in response.context["auditors"]}
    assert rows[lead.pk].active_assignments == 1
    assert rows[co.pk].active_assignments == 0
    page = response.content.decode()
    assert "Cora Co-Auditor" in page
    assert "Beta" in page
    assert "Product" in page


# --- cleanup: a product grant needs a valid organizational basis -------------------------------


def test_decide_page_says_a_product_grant_needs_a_valid_organizational_certificate(
    office2_client, certificate, alpha, alice, lead, auditor_user, office_user
):
    from certification.services.certificates import certificate_suspend
    from tests.certification.helpers import audit_to_report

    application = audit_to_report(
        new_application(alpha, alice, kind=SchemeKind.PRODUCT),
        company_user=alice,
        auditor=lead,
        auditor_user=auditor_user,
        office=office_user,
    )
    page = office2_client.get(_url("office_decide", application)).content.decode()
    assert 'id="basis-missing"' not in page
    assert certificate.number in page  # the basis the grant would name
    certificate_suspend(certificate=certificate, reason="Lapsed.", by=office_user)
    page = office2_client.get(_url("office_decide", application)).content.decode()
    assert 'id="basis-missing"' in page
    response = office2_client.post(
        _url("office_decide", application), {"decision": "grant", "rationale": "As reported."}
    )
    assert response.status_code == 200
    assert "holds none at present" in response.content.decode()
    assert _fresh(application).status == S.REPORT_SUBMITTED
