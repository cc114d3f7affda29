"""Pages of findings in steps: the auditor raises (objective evidence), verifies or sends
back; the company answers in its steps; the company, the assigned auditor and the office
read the finding with its full step history (who, when in UTC, the text); outsiders 404;
the e-mails carry the finding's text."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from certification.models import Finding, FindingStatus
from certification.services.findings import finding_answer, finding_raise, finding_send_back
from tests.certification.helpers import criteria_of, refreshed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STATEMENT = "The interface list is two releases behind."
EVIDENCE = "Release notes 4.2 list 12 interfaces; the portal page lists 9."


@pytest.fixture
def finding(in_audit, auditor_user):
    return finding_raise(
        application=in_audit,
        kind="major",
        criterion_ids=[criteria_of(in_audit)[0].pk],
        description=STATEMENT,
        objective_evidence=EVIDENCE,
        by=auditor_user,
    )


def company_url(finding):
    application = finding.application
    return reverse(
        "certification:finding_answer",
        args=[application.organization.slug, application.pk, finding.pk],
    )


def audit_url(finding, name="audit_finding"):
    return reverse(f"certification:{name}", args=[finding.application_id, finding.pk])


def office_url(finding):
    return reverse("certification:office_finding", args=[finding.application_id, finding.pk])


def answer_post(**extra):
    return {
        "correction": "Added the three interfaces.",
        "root_cause": "The page is edited by hand.",
        "corrective_action": "The page is generated from the release notes.",
        "action_due_on": (timezone.localdate() + timedelta(days=20)).isoformat(),
        **extra,
    }


def test_the_auditor_raises_a_nonconformity_with_objective_evidence(client, auditor_user, in_audit):
    client.force_login(auditor_user)
    url = reverse("certification:finding_new", args=[in_audit.pk])
    form = client.get(url).content.decode()
    assert 'name="objective_evidence"' in form
    first = criteria_of(in_audit)[0]
    refused = client.post(url, {"kind": "minor", "criteria": [first.pk], "description": STATEMENT})
    assert refused.status_code == 422
    assert "State the objective evidence" in refused.content.decode()
    done = client.post(
        url,
        {
            "kind": "minor",
            "criteria": [first.pk],
            "description": STATEMENT,
            "objective_evidence": EVIDENCE,
        },
    )
    assert done.status_code == 302
    with scopes_disabled():
        assert Finding.objects.get().objective_evidence == EVIDENCE


def test_the_company_answers_and_reads_the_history(
    client, alice, bob, auditor_user, finding, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(bob)  # a member reads, without the form
    page = client.get(company_url(finding)).content.decode()
    assert STATEMENT in page and EVIDENCE in page
    assert 'name="root_cause"' not in page
    assert "Finding raised" in page and "Arne Auditor" in page and " UTC" in page
    assert client.post(company_url(finding), answer_post()).status_code == 403

    client.force_login(alice)
    page = client.get(company_url(finding)).content.decode()
    for name in ("correction", "root_cause", "corrective_action", "action_due_on"):
        assert f'name="{name}"' in page
    refused = client.post(company_url(finding), answer_post(root_cause=""))
    assert refused.status_code == 200
    assert refreshed(finding).status == FindingStatus.OPEN
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(company_url(finding), answer_post())
    assert response.status_code == 302
    assert refreshed(finding).status == FindingStatus.ANSWERED
    page = client.get(company_url(finding)).content.decode()
    assert "Correction and corrective action proposed" in page
    assert "The page is edited by hand." in page
    # The auditors' e-mail carries the answer.
    (mail,) = mailoutbox
    assert "The page is generated from the release notes." in mail.body
    assert STATEMENT in mail.body


def test_the_auditor_page_shows_history_and_verifies(client, alice, auditor_user, finding):
    finding_answer(
        finding=finding,
        by=alice,
        **{k: v for k, v in answer_post().items() if k != "action_due_on"},
        action_due_on=timezone.localdate() + timedelta(days=20),
    )
    client.force_login(auditor_user)
    page = client.get(audit_url(finding)).content.decode()
    assert "Finding raised" in page and "Correction and corrective action proposed" in page
    assert "Accept the corrective action" in page and "Send back to the company" in page
    assert "Alice" in page  # who answered, by name
    assert "alice@example.org" not in page
    refused = client.post(audit_url(finding, "finding_close"), {"note": ""})
    assert refused.status_code == 422
    done = client.post(audit_url(finding, "finding_close"), {"note": "Generated page seen."})
    assert done.status_code == 302
    assert refreshed(finding).status == FindingStatus.CLOSED
    page = client.get(audit_url(finding)).content.decode()
    assert "Effectiveness verified" in page and "Generated page seen." in page
    assert "Accept the corrective action" not in page


def test_the_auditor_sends_back_with_a_reason(client, alice, auditor_user, finding):
    client.force_login(alice)
    client.post(company_url(finding), answer_post())
    client.force_login(auditor_user)
    refused = client.post(audit_url(finding, "finding_reopen"), {"reason": ""})
    assert refused.status_code == 422
    done = client.post(audit_url(finding, "finding_reopen"), {"reason": "Not generated yet."})
    assert done.status_code == 302
    assert refreshed(finding).status == FindingStatus.OPEN
    client.force_login(alice)
    page = client.get(company_url(finding)).content.decode()
    assert "Sent back to the company" in page and "Not generated yet." in page
    assert 'name="correction"' in page  # the company answers again


def test_the_office_reads_the_history(client, office_user, alice, auditor_user, finding):
    client.force_login(alice)
    client.post(company_url(finding), answer_post())
    finding_send_back(finding=refreshed(finding), reason="Not generated yet.", by=auditor_user)
    client.force_login(office_user)
    page = client.get(office_url(finding)).content.decode()
    for text in (STATEMENT, EVIDENCE, "The page is edited by hand.", "Not generated yet."):
        assert text in page
    assert "Sent back to the company" in page


@pytest.mark.parametrize("who", ["charlie", "co_user", "plain"])
def test_outsiders_get_404(request, client, who, finding, co, charlie, co_user):
    user = (
        UserFactory(email="plain@example.org", full_name="Pia Plain")
        if who == "plain"
        else request.getfixturevalue(who)
    )
    client.force_login(user)
    assert client.get(company_url(finding)).status_code == 404
    assert client.get(audit_url(finding)).status_code == 404
    assert client.get(office_url(finding)).status_code == 404
    assert client.post(audit_url(finding, "finding_close"), {"note": "x"}).status_code == 404


def test_a_finding_of_another_case_is_404(client, auditor_user, finding, in_audit):
    client.force_login(auditor_user)
    url = reverse("certification:audit_finding", args=[in_audit.pk, finding.pk + 999])
    assert client.get(url).status_code == 404


def test_the_sheet_links_to_the_history_and_shows_the_answer(client, alice, auditor_user, finding):
    client.force_login(alice)
    client.post(company_url(finding), answer_post())
    client.force_login(auditor_user)
    page = client.get(reverse("certification:audit", args=[finding.application_id])).content
    page = page.decode()
    assert audit_url(finding) in page
    assert EVIDENCE in page and "The page is edited by hand." in page
