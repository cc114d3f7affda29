"""axe-core in Chromium on every public page and the main workflows of the demo portal.

Serious and critical violations fail the test; moderate and minor ones are printed (run
with -s to read them) so they can be worked on without blocking.
"""

import io
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from certification.models import Application
from community.models import AnnualReport, Election
from cpo_portal.accounts.models import User
from cpo_portal.accounts.signals import ensure_office_groups
from cpo_portal.tenancy.models import Organization
from cpo_portal.tenancy.services import organization_create
from criteria.models import CatalogueVersion, Criterion
from signees.models import Fulfilment, Signee, SigneeGroup
from signees.selectors.statements import applicable_criteria
from signees.services.statements import (
    statement_answer_save,
    statement_publish,
    statement_start_draft,
)
from tests.certification.helpers import make_certificates
from tests.integration.browser import log_in_by_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAILING_IMPACTS = {"serious", "critical"}
AXE = Axe()


@dataclass
class Demo:
    vendor: Organization
    provider: Organization
    newcomer: Organization
    audit: Application
    certificate_number: str
    catalogue: CatalogueVersion
    criterion: Criterion
    year: int


def _owner(organization: Organization) -> User:
    with scope(organization=organization):
        return organization.memberships.get(role="owner").user


def _publish_statement(vendor: Organization) -> None:
    """The vendor's CPO Statement, published, and the next version drafted."""
    owner = _owner(vendor)
    with scope(organization=vendor):
        signee = Signee.objects.get(organization=vendor)
    statement = statement_start_draft(signee=signee, by=owner)
    for criterion in applicable_criteria(statement):
        statement_answer_save(
            statement=statement,
            criterion=criterion,
            fulfilment=Fulfilment.FULFILLED,
            explanation="Documented in the developer handbook.",
            by=owner,
        )
    statement_publish(statement=statement, by=owner)
    statement_start_draft(signee=signee, by=owner)


@pytest.fixture
def demo(db, monkeypatch) -> Demo:
    # A transactional test flushes the database; the office group comes back with it.
    ensure_office_groups()
    call_command("seed_demo", stdout=io.StringIO())
    with scopes_disabled():
        vendor = Signee.objects.get(group=SigneeGroup.IT_VENDOR).organization
        provider = Signee.objects.get(group=SigneeGroup.IT_SERVICE_PROVIDER).organization
        audit = Application.objects.get(organization=vendor, status="audit")
    catalogue = CatalogueVersion.objects.get(status="published")
    newcomer_owner = User.objects.create_user(
        email="dana@openness-works.example", password="x-Openness-7", full_name="Dana Signer"
    )
    newcomer = organization_create(
        by=newcomer_owner, legal_name="Openness Works GmbH", country="DE"
    )
    # The statement's PDF is not looked at here; rendering it would only cost time.
    monkeypatch.setattr("cpo_portal.documents.services._queue", lambda document: None)
    _publish_statement(vendor)
    (certificate,) = make_certificates(vendor, catalogue, 1)
    return Demo(
        vendor=vendor,
        provider=provider,
        newcomer=newcomer,
        audit=audit,
        certificate_number=certificate.number,
        catalogue=catalogue,
        criterion=Criterion.objects.filter(category__version=catalogue).first(),
        year=AnnualReport.objects.filter(published_at__isnull=False).get().year,
    )


def _check(page, base: str, paths: list[str]) -> list[str]:
    """Load each path and run axe; the failing violations, as readable lines."""
    failures = []
    for path in paths:
        response = page.goto(f"{base}{path}")
        assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
        for violation in AXE.run(page).response["violations"]:
            nodes = violation["nodes"]
            line = (
                f"{path}: [{violation['impact']}] {violation['id']}: {violation['help']} "
                f"({len(nodes)}×, e.g. {nodes[0]['target']}: {nodes[0]['failureSummary']!r})"
            )
            if violation["impact"] in FAILING_IMPACTS:
                failures.append(line)
            else:
                print(line)
    return failures


@pytest.fixture
def browse(live_server, browser):
    """Pages for a visitor or a signed-in user; each closed at the end."""
    contexts = []

    def open_page(user: User | None = None):
        context = browser.new_context(locale="en-GB")
        contexts.append(context)
        if user is not None:
            log_in_by_session(context, live_server.url, user)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_public_pages_and_workflows_have_no_serious_violations(live_server, browse, demo):
    version = demo.catalogue.code
    vendor = demo.vendor.slug
    paths = [
        "/",
        "/signees/",
        f"/signees/{vendor}/",
        f"/signees/{vendor}/statement/",
        "/seal/",
        f"/verify/{demo.certificate_number}/",
        "/criteria/",
        f"/criteria/{version}/",
        f"/criteria/{version}/{demo.criterion.code}/",
        f"/criteria/{version}/schemes/organizational/",
        "/criteria/versions/",
        "/criteria/diff/",
        "/community/",
        "/community/core-team/",
        "/community/conference/",
        "/community/reports/",
        f"/community/reports/{demo.year}/",
        "/accounts/login/",
        "/accounts/signup/",
    ]
    base = live_server.url
    failures = _check(browse(), base, paths)
    year = timezone.now().year
    with scopes_disabled():
        assert Election.objects.filter(year=year).exists()
        provider_application = Application.objects.filter(organization=demo.provider).first()
    newcomer = demo.newcomer.slug
    vendor = demo.vendor.slug
    provider = demo.provider.slug
    # Signing: the start page, the group choice, the declaration, the signature form.
    failures += _check(
        browse(_owner(demo.newcomer)),
        base,
        [
            "/sign/",
            f"/o/{newcomer}/sign/",
            f"/o/{newcomer}/sign/?step=declaration&group=it_vendor",
            f"/o/{newcomer}/sign/?step=sign&group=it_vendor",
        ],
    )
    # The vendor: the statement editor and the self-assessment (submitted, read-only).
    failures += _check(
        browse(_owner(demo.vendor)),
        base,
        [
            f"/o/{vendor}/statement/draft/",
            f"/o/{vendor}/certification/{demo.audit.pk}/self-assessment/",
        ],
    )
    # The service provider: its self-assessment in progress and the open ballot.
    failures += _check(
        browse(_owner(demo.provider)),
        base,
        [
            f"/o/{provider}/certification/{provider_application.pk}/self-assessment/",
            f"/o/{provider}/community/elections/",
            f"/o/{provider}/community/elections/{year}/ballot/",
        ],
    )
    # The auditor's scoring sheet.
    auditor = User.objects.get(email="auditor@cpo-portal.example")
    failures += _check(browse(auditor), base, ["/audit/", f"/audit/{demo.audit.pk}/"])
    assert not failures, "\n".join(failures)
