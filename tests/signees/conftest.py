"""Signee fixtures on top of the root alice/bob/charlie scenario.

`published_catalogue` is a small published catalogue (the signing flow needs one);
`signed` is Alpha signed by alice (pending review); `approved` is the same, approved.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from cpo_portal.tenancy.models import Organization
from criteria.interchange import parse
from criteria.services.catalogue import catalogue_import
from signees.models import Signee, SigneeGroup, SigneeStatus
from signees.services.signing import signee_approve
from signees.services.statements import statement_publish, statement_start_draft

from .helpers import MINI_CATALOGUE, answer_all, sign


@pytest.fixture
def published_catalogue(db):
    version, _ = catalogue_import(data=parse(MINI_CATALOGUE), by=None, publish=True)
    return version


@pytest.fixture
def newer_catalogue(published_catalogue):
    """Version t-2, published after t-1: the one in force from now on."""
    version, _ = catalogue_import(
        data=parse(MINI_CATALOGUE.replace('version: "t-1"', 'version: "t-2"')),
        by=None,
        publish=True,
    )
    return version


@pytest.fixture
def signed(published_catalogue, alpha, alice):
    """Alpha signed the CPO as IT vendor; pending review."""
    return sign(alpha, alice).signee


@pytest.fixture
def approved(signed, office_user):
    return signee_approve(signee=signed, by=office_user)


# --- Public list fixtures (tests/signees/test_public.py, test_api.py) ------------------


@pytest.fixture
def bulk_signees(db):
    """make(n, **fields): n signees with their organizations, written in bulk.

    Straight rows, not the signing service: the public list's performance tests need
    thousands. Approved by default; `status=` and the other Signee fields can be given.
    """
    groups = SigneeGroup.values
    countries = ["DE", "FR", "US", "JP", "IT"]
    made = {"n": 0}

    def make(n, *, prefix="Company", country=None, group=None, **fields):
        start = made["n"]
        made["n"] += n
        now = timezone.now()
        organizations = Organization.objects.bulk_create(
            Organization(
                legal_name=f"{prefix} {i} GmbH",
                display_name=f"{prefix} {i}",
                slug=f"{prefix.lower().replace(' ', '-')}-{i}",
                country=country or countries[i % len(countries)],
                website=f"https://{prefix.lower().replace(' ', '-')}-{i}.example.com",
            )
            for i in range(start, start + n)
        )
        status = fields.pop("status", SigneeStatus.APPROVED)

        def row(i, organization):
            values = {
                "organization": organization,
                "group": group or groups[i % len(groups)],
                "status": status,
                "listed_name": organization.display_name,
                "signed_at": now - timedelta(days=i + 1),
                "approved_at": now - timedelta(days=i) if status == SigneeStatus.APPROVED else None,
            }
            return Signee(**{**values, **fields})

        with scopes_disabled():
            return Signee.objects.bulk_create(
                row(i, organization) for i, organization in enumerate(organizations, start)
            )

    return make


@pytest.fixture
def three(bulk_signees):
    """Acme (IT vendor, DE, signee for 30 days), Bolt (IT customer, FR, 10 days),
    Cobalt (IT service provider, DE, 20 days); all approved."""
    made = []
    for name, group, country, days in (
        ("Acme", "it_vendor", "DE", 30),
        ("Bolt", "it_customer", "FR", 10),
        ("Cobalt", "it_service_provider", "DE", 20),
    ):
        (signee,) = bulk_signees(1, prefix=name, group=group, country=country)
        with scopes_disabled():
            Signee.objects.filter(pk=signee.pk).update(
                listed_name=name, approved_at=timezone.now() - timedelta(days=days)
            )
        signee.refresh_from_db()
        made.append(signee)
    return made


# --- CPO Statements ------------------------------------------------------------------------


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Publish the way a view does: the PDF is rendered (eager task) after the commit."""

    def run(statement, user):
        with django_capture_on_commit_callbacks(execute=True):
            return statement_publish(statement=statement, by=user)

    return run


@pytest.fixture
def draft(approved, alice):
    return statement_start_draft(signee=approved, by=alice)


@pytest.fixture
def published(draft, alice, publish):
    answer_all(draft, alice)
    return publish(draft, alice)


@pytest.fixture
def other_version(published_catalogue):
    version, _ = catalogue_import(
        data=parse(MINI_CATALOGUE.replace('version: "t-1"', 'version: "t-2"')),
        by=None,
        publish=True,
    )
    return version
