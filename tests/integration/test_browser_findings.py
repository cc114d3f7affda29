"""A nonconformity worked through in steps, in a real Chromium, with a clarification request
and a working paper beside it (ISO/IEC 17065 §7.4, ISO/IEC 17021-1 §9.4).

The lead auditor asks the company a question on one criterion and keeps a working paper on
it; the company answers the question. The auditor raises a minor nonconformity with its
objective evidence; the company answers with correction, root cause and corrective action;
the auditor sends it back with a reason; the company answers again and the auditor verifies
the effectiveness. Every step shows in the finding's history; the company never reaches the
working paper.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from certification.models import (
    ClarificationRequest,
    ClarificationStatus,
    Finding,
    FindingStatus,
    WorkingPaper,
)
from cpo_portal.accounts.signals import ensure_office_groups
from cpo_portal.tenancy.services import organization_create
from criteria.demo import demo_catalogue_data
from criteria.services.catalogue import catalogue_import
from tests.certification.factories import AgreementVersionFactory, ApplicationFactory
from tests.certification.helpers import approve_signee, criteria_of, make_auditor
from tests.factories import make_office
from tests.integration.browser import (
    log_in_by_session,
    log_in_with_totp,
    verified_user,
    with_totp,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/findings-{}.png"


@pytest.fixture
def world(db):
    ensure_office_groups()
    catalogue_import(data=demo_catalogue_data(), by=None, publish=True)
    AgreementVersionFactory(published=True)
    office, _ = with_totp(verified_user("olga@prostep.example", "Olga Office"))
    make_office(office)
    arne, arne_secret = with_totp(verified_user("arne@audit.example", "Arne Auditor"))
    lead = make_auditor(arne, office=office)
    dana = verified_user("dana@alpha.example", "Dana Owner")
    organization = organization_create(by=dana, legal_name="Alpha PLM AG", country="DE")
    approve_signee(organization, dana, office)
    with scopes_disabled():
        application = ApplicationFactory(
            organization=organization, in_audit=True, office=office, lead=lead
        )
        criterion = criteria_of(application)[0]
    return {
        "arne": (arne, arne_secret),
        "dana": dana,
        "organization": organization,
        "application": application,
        "criterion": criterion,
    }


def test_a_nonconformity_is_worked_through_in_steps_beside_a_clarification_and_a_working_paper(
    live_server, browser, world
):
    base = live_server.url
    application = world["application"]
    criterion = world["criterion"]
    slug = world["organization"].slug
    case = f"/o/{slug}/certification/{application.pk}"
    option = f"{criterion.code} {criterion.title}"

    auditor = browser.new_context(base_url=base).new_page()
    auditor.set_default_timeout(15_000)
    log_in_with_totp(auditor, base, f"/audit/{application.pk}/", *world["arne"])

    # 1. A question on one criterion, without a finding.
    auditor.get_by_role("link", name="Clarification requests").click()
    auditor.goto(f"{base}/audit/{application.pk}/clarifications/new/")
    auditor.get_by_label("Criterion").select_option(label=option)
    auditor.get_by_label("Question").fill("Who maintains the interface documentation today?")
    auditor.get_by_role("button", name="Send the question").click()
    with scopes_disabled():
        request = ClarificationRequest.objects.get(application=application)
    assert request.status == ClarificationStatus.OPEN and request.due_on is not None

    # 2. A working paper on the same criterion: the audit team's, never the company's.
    auditor.goto(f"{base}/audit/{application.pk}/working-papers/new/")
    auditor.get_by_label("Criterion").select_option(label=option)
    auditor.get_by_label("Title").fill("Interview with the head of integration")
    auditor.get_by_label("Notes").fill("Two people maintain the API docs; no named owner.")
    auditor.get_by_role("button", name="Save the working paper").click()
    with scopes_disabled():
        paper = WorkingPaper.objects.get(application=application)

    # 3. The company answers the question.
    company_context = browser.new_context(base_url=base)
    log_in_by_session(company_context, base, world["dana"])
    company = company_context.new_page()
    company.set_default_timeout(15_000)
    company.goto(f"{base}{case}/clarifications/{request.pk}/")
    company.get_by_label("Your answer").fill(
        "The platform team; the owner is named in the team charter."
    )
    company.get_by_role("button", name="Send the answer").click()
    expect(company.locator("main")).to_contain_text("The platform team")
    company.screenshot(path=SHOTS.format("1-company-clarification"), full_page=True)
    request.refresh_from_db()
    assert request.status == ClarificationStatus.ANSWERED
    # The working paper does not exist for the company.
    assert company.goto(f"{base}/audit/{application.pk}/working-papers/{paper.pk}/").status == 404

    # 4. The auditor raises a minor nonconformity with its objective evidence.
    auditor.goto(f"{base}/audit/{application.pk}/findings/new/")
    auditor.get_by_label("Minor nonconformity").check()
    auditor.get_by_label("Criteria").select_option(label=option)
    auditor.get_by_label("Statement").fill("No owner of the interface documentation is named.")
    auditor.get_by_label("Objective evidence").fill(
        "Team charter v3 names no owner; interview with the head of integration."
    )
    auditor.get_by_role("button", name="Record the finding").click()
    with scopes_disabled():
        finding = Finding.objects.get(application=application)
    raised = next(m for m in mail.outbox if world["dana"].email in m.to and "Minor" in m.subject)
    assert "No owner of the interface documentation is named." in raised.body
    assert "Team charter v3" in raised.body

    # 5. The company answers: correction, root cause, corrective action with its date.
    def answer(correction: str) -> None:
        company.goto(f"{base}{case}/findings/{finding.pk}/")
        company.screenshot(path=SHOTS.format("0-company-answer-form"), full_page=True)
        company.locator('textarea[name="correction"]').fill(correction)
        company.locator('textarea[name="root_cause"]').fill("Ownership was never part of the role.")
        company.locator('textarea[name="corrective_action"]').fill(
            "Add documentation ownership to the platform lead's role description."
        )
        company.get_by_label("Corrective action completed by").fill(
            (timezone.localdate() + timedelta(days=30)).isoformat()
        )
        company.get_by_role("button", name="Send the answer to the auditors").click()
        expect(company.locator("main")).to_contain_text("sent to the auditors")
        company.goto(f"{base}{case}/findings/{finding.pk}/")
        expect(company.locator("main")).to_contain_text(correction)

    answer("The charter now names the platform team.")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.ANSWERED

    # 6. The auditor sends it back with a reason; the company answers again.
    auditor.goto(f"{base}/audit/{application.pk}/findings/{finding.pk}/")
    auditor.get_by_label("Reason").fill("A team is not a person: name the owner.")
    auditor.get_by_role("button", name="Send back to the company").click()
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    answer("The charter now names Petra Plattform as owner.")

    # 7. The auditor verifies the effectiveness; the history shows every step.
    auditor.goto(f"{base}/audit/{application.pk}/findings/{finding.pk}/")
    auditor.locator(
        "form", has=auditor.get_by_role("button", name="Accept the corrective action")
    ).locator("textarea").fill("Charter v4 and the role description checked.")
    auditor.get_by_role("button", name="Accept the corrective action").click()
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CLOSED
    auditor.screenshot(path=SHOTS.format("2-auditor-finding-history"), full_page=True)
    with scopes_disabled():
        steps = list(finding.steps.values_list("step", flat=True))
    assert steps == ["raised", "answered", "sent_back", "answered", "accepted"]

    company.goto(f"{base}{case}/findings/{finding.pk}/")
    history = company.locator("main")
    for text in ("A team is not a person", "Petra Plattform", "Charter v4", "UTC"):
        expect(history).to_contain_text(text)
    expect(history).to_contain_text(re.compile("Arne Auditor"))
    company.screenshot(path=SHOTS.format("3-company-finding-history"), full_page=True)
