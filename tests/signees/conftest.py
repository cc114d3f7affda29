"""Signee fixtures on top of the root alice/bob/charlie scenario.

`mini_catalogue` is the three-criteria catalogue t-1 (tests/signees/helpers.py), published;
`newer_mini_catalogue` is its successor t-2, published after it. `signed` is Alpha signed by
alice (pending review), `approved` the same, approved by the office; both are built by
tests/signees/factories.py (no documents, mails or activity entries): a test of signing or
approving itself calls the service. `draft` is the first statement draft (the service),
`published` a published statement answering ANSWERS (a factory), `published_with_pdf` the
same published through the service, its PDF rendered.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from cpo_portal.tenancy.models import Organization
from signees.models import Signee, SigneeGroup, SigneeStatus
from signees.services.statements import statement_publish, statement_start_draft

from .factories import SigneeFactory, StatementFactory
from .helpers import ANSWERS, answer_all, import_mini_catalogue


@pytest.fixture
def mini_catalogue(db):
    return import_mini_catalogue("t-1")


@pytest.fixture
def newer_mini_catalogue(mini_catalogue):
    """Version t-2, published after t-1: the one in force from now on."""
    return import_mini_catalogue("t-2")


@pytest.fixture
def signed(mini_catalogue, alpha, alice):
    """Alpha signed the CPO as IT vendor; pending review."""
    return SigneeFactory(pending=True, organization=alpha, signed_by=alice)


@pytest.fixture
def approved(mini_catalogue, alpha, alice, office_user):
    """Alpha signed as IT vendor, approved by the office."""
    return SigneeFactory(
        approved=True, organization=alpha, signed_by=alice, reviewed_by=office_user
    )


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
def published(approved, alice):
    """Version 1, answering ANSWERS, published by alice (written directly: its PDF is not
    rendered)."""
    return StatementFactory(
        published=True, signee=approved, published_by=alice, answers=ANSWERS, answers__by=alice
    )


@pytest.fixture
def published_with_pdf(draft, alice, publish):
    """Version 1, answered and published through the services: its PDF is rendered."""
    answer_all(draft, alice)
    return publish(draft, alice)
